// Command miniter-example walks through the miniter tutorial with the Go
// client: three people sign up (one with a Korean name), log in and tweet in
// Korean and with emoji. Ann finds the other two by name (SearchUsers),
// reads 민수's profile (GetUser), follows both, lists whom she follows and
// who follows 민수, reads 민수's own tweets (UserTweets) and her timeline,
// unfollows Bob and reads it again. Last, she watches her timeline live
// (WatchTimeline) while 민수 tweets through a second connection.
//
//	go run ./cmd/miniter-example -server 127.0.0.1:50051
//
// Each run signs up new accounts (unique e-mail addresses), so it can run
// against the same server any number of times.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/miniter/miniter/clients/go/miniterpb"
)

const password = "correct horse battery"

func main() {
	server := flag.String("server", "127.0.0.1:50051", "miniter server address, host:port")
	flag.Parse()
	if err := run(*server, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "miniter-example: %v\n", err)
		os.Exit(1)
	}
}

// account is a signed-up, logged-in user: ctx carries its token.
type account struct {
	id   uint64
	name string
	ctx  context.Context
}

func run(server string, out io.Writer) error {
	// miniter serves plaintext gRPC on loopback (scripts/run.sh); a server
	// behind TLS would take credentials.NewTLS here instead.
	conn, err := grpc.NewClient(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := pb.NewMiniterClient(conn)
	// One deadline for the whole walk: a server that does not answer makes
	// the example fail instead of hang.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// A new suffix per run, because an e-mail address can sign up only once.
	suffix := strconv.FormatInt(time.Now().UnixNano(), 36)
	var users []account
	for _, name := range []string{"Ann", "민수", "Bob"} {
		email := fmt.Sprintf("user-%d.%s@example.com", len(users)+1, suffix)
		user, err := signUpAndLogIn(ctx, client, name, email)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "signed up and logged in %s <%s> as user %d\n", name, email, user.id)
		users = append(users, user)
	}
	ann, minsu, bob := users[0], users[1], users[2]

	for _, t := range []struct {
		by   account
		text string
	}{
		{ann, "Hello from Ann"},
		{minsu, "안녕하세요! 첫 트윗입니다"},
		{bob, "Bob was here 🐹🚀"},
		{minsu, "오늘 날씨 좋네요 ☀️"},
		{ann, "Following 민수 and Bob now 👋"},
	} {
		resp, err := client.Tweet(t.by.ctx, &pb.TweetRequest{Text: t.text})
		if err != nil {
			return fmt.Errorf("tweet as %s: %w", t.by.name, err)
		}
		fmt.Fprintf(out, "%s tweeted #%d: %s\n", t.by.name, resp.GetTweet().GetId(), resp.GetTweet().GetText())
	}

	// Ann knows only their names. Names match from their start without
	// regard to letter case, in Korean as in Latin script.
	for _, f := range []struct {
		query string
		user  account
	}{{"민", minsu}, {"BO", bob}} {
		if err := findUser(client, ann, f.query, f.user.id, out); err != nil {
			return err
		}
	}
	if err := printProfile(client, ann, minsu.id, out); err != nil {
		return err
	}
	for _, followee := range []account{minsu, bob} {
		if _, err := client.Follow(ann.ctx, &pb.FollowRequest{UserId: followee.id}); err != nil {
			return fmt.Errorf("follow %s: %w", followee.name, err)
		}
		fmt.Fprintf(out, "%s follows %s\n", ann.name, followee.name)
	}
	if err := printProfile(client, ann, 0, out); err != nil {
		return err
	}
	if err := printFollows(client, ann, minsu, out); err != nil {
		return err
	}
	if err := printUserTweets(client, ann, minsu, out); err != nil {
		return err
	}
	if err := printTimeline(client, ann, out); err != nil {
		return err
	}

	if _, err := client.Unfollow(ann.ctx, &pb.UnfollowRequest{UserId: bob.id}); err != nil {
		return fmt.Errorf("unfollow %s: %w", bob.name, err)
	}
	fmt.Fprintf(out, "%s unfollows %s\n", ann.name, bob.name)
	if err := printTimeline(client, ann, out); err != nil {
		return err
	}
	return watchLiveTweet(client, server, ann, minsu, "지금 실시간으로 📡", out)
}

// findUser looks a user up by the start of their name, page by page.
// Other runs of this example (and other people) may share the name, so it
// picks the account this run created; a person would pick from the list.
func findUser(client pb.MiniterClient, searcher account, query string, id uint64, out io.Writer) error {
	req := &pb.SearchUsersRequest{Query: query, PageSize: 50}
	for {
		resp, err := client.SearchUsers(searcher.ctx, req)
		if err != nil {
			return fmt.Errorf("search %q: %w", query, err)
		}
		for _, u := range resp.GetUsers() {
			if u.GetId() == id {
				fmt.Fprintf(out, "search %q found %s (user %d)\n", query, u.GetName(), u.GetId())
				return nil
			}
		}
		if resp.GetNextPageToken() == "" {
			return fmt.Errorf("search %q: user %d not found", query, id)
		}
		req.PageToken = resp.GetNextPageToken()
	}
}

// printProfile prints a user's profile; id 0 is the reader's own, the only
// one that shows an e-mail address.
func printProfile(client pb.MiniterClient, reader account, id uint64, out io.Writer) error {
	resp, err := client.GetUser(reader.ctx, &pb.GetUserRequest{UserId: id})
	if err != nil {
		return fmt.Errorf("profile of user %d: %w", id, err)
	}
	email := ""
	if e := resp.GetUser().GetEmail(); e != "" {
		email = ", e-mail " + e
	}
	fmt.Fprintf(out, "profile of %s: %d followers, %d following%s\n", resp.GetUser().GetName(),
		resp.GetFollowerCount(), resp.GetFollowingCount(), email)
	return nil
}

// printFollows lists whom the reader follows and who follows `of`, both
// most recent first, in pages of 1 to show next_page_token.
func printFollows(client pb.MiniterClient, reader, of account, out io.Writer) error {
	var following, followers []string
	followingReq := &pb.ListFollowingRequest{PageSize: 1} // user_id 0: the caller
	for {
		resp, err := client.ListFollowing(reader.ctx, followingReq)
		if err != nil {
			return fmt.Errorf("list following of %s: %w", reader.name, err)
		}
		for _, u := range resp.GetUsers() {
			following = append(following, u.GetName())
		}
		if followingReq.PageToken = resp.GetNextPageToken(); followingReq.PageToken == "" {
			break
		}
	}
	followersReq := &pb.ListFollowersRequest{UserId: of.id, PageSize: 1}
	for {
		resp, err := client.ListFollowers(reader.ctx, followersReq)
		if err != nil {
			return fmt.Errorf("list followers of %s: %w", of.name, err)
		}
		for _, u := range resp.GetUsers() {
			followers = append(followers, u.GetName())
		}
		if followersReq.PageToken = resp.GetNextPageToken(); followersReq.PageToken == "" {
			break
		}
	}
	fmt.Fprintf(out, "%s follows (most recent first): %s\n", reader.name, strings.Join(following, ", "))
	fmt.Fprintf(out, "followers of %s: %s\n", of.name, strings.Join(followers, ", "))
	return nil
}

// printUserTweets prints the tweets `author` wrote, newest first, none of
// the accounts they follow.
func printUserTweets(client pb.MiniterClient, reader, author account, out io.Writer) error {
	fmt.Fprintf(out, "tweets of %s, newest first:\n", author.name)
	req := &pb.UserTweetsRequest{UserId: author.id, PageSize: 1}
	for {
		resp, err := client.UserTweets(reader.ctx, req)
		if err != nil {
			return fmt.Errorf("tweets of %s: %w", author.name, err)
		}
		for _, t := range resp.GetTweets() {
			fmt.Fprintf(out, "  #%d %s\n", t.GetId(), t.GetText())
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			return nil
		}
	}
}

// watchLiveTweet opens the watcher's WatchTimeline stream, has `poster`
// tweet `text` through a second connection (as from another device), waits
// for that tweet on the stream and stops watching.
func watchLiveTweet(client pb.MiniterClient, server string, watcher, poster account, text string, out io.Writer) error {
	fmt.Fprintf(out, "%s watches her timeline live\n", watcher.name)
	// Cancelling the context is how a client stops watching.
	ctx, stop := context.WithTimeout(watcher.ctx, 20*time.Second)
	defer stop()
	stream, err := client.WatchTimeline(ctx, &pb.WatchTimelineRequest{})
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	// Only what is posted after the server has set the stream up reaches it.
	// A server may send the response headers then, or only with the first
	// event: wait for them, but not for long.
	headers := make(chan struct{})
	go func() { stream.Header(); close(headers) }()
	select {
	case <-headers:
	case <-time.After(2 * time.Second):
	}

	conn, err := grpc.NewClient(server, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	posted, err := pb.NewMiniterClient(conn).Tweet(poster.ctx, &pb.TweetRequest{Text: text})
	if err != nil {
		return fmt.Errorf("tweet as %s: %w", poster.name, err)
	}

	for {
		event, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("watch: waiting for tweet #%d: %w", posted.GetTweet().GetId(), err)
		}
		// Heartbeats (and tweets of others) may come first. A client that
		// reconnects passes the last event's cursor as resume_cursor.
		if t := event.GetTweet(); t.GetId() == posted.GetTweet().GetId() {
			fmt.Fprintf(out, "live: #%d %s: %s\n", t.GetId(), t.GetAuthorName(), t.GetText())
			break
		}
	}
	stop()
	// After a cancel the stream ends with CANCELLED: the normal way out.
	for {
		if _, err := stream.Recv(); err != nil {
			if status.Code(err) != codes.Canceled && !errors.Is(err, io.EOF) {
				return fmt.Errorf("watch: ending: %w", err)
			}
			break
		}
	}
	fmt.Fprintf(out, "%s stops watching\n", watcher.name)
	return nil
}

func signUpAndLogIn(ctx context.Context, client pb.MiniterClient, name, email string) (account, error) {
	if _, err := client.SignUp(ctx, &pb.SignUpRequest{Name: name, Email: email, Password: password}); err != nil {
		return account{}, fmt.Errorf("sign up %s: %w", name, err)
	}
	login, err := client.Login(ctx, &pb.LoginRequest{Email: email, Password: password})
	if err != nil {
		return account{}, fmt.Errorf("log in %s: %w", name, err)
	}
	// The token travels as call metadata, on every call made with this ctx.
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+login.GetAccessToken())
	return account{id: login.GetUserId(), name: name, ctx: authed}, nil
}

// printTimeline reads all of the user's timeline in small pages, to show
// next_page_token, and checks that it is newest first without repeats.
func printTimeline(client pb.MiniterClient, user account, out io.Writer) error {
	fmt.Fprintf(out, "timeline of %s, newest first:\n", user.name)
	req := &pb.TimelineRequest{PageSize: 2}
	lastID := uint64(0)
	for {
		resp, err := client.Timeline(user.ctx, req)
		if err != nil {
			return fmt.Errorf("timeline of %s: %w", user.name, err)
		}
		for _, t := range resp.GetTweets() {
			// Later tweets have larger ids, so strictly falling ids mean
			// newest first and no tweet twice, across pages too.
			if lastID != 0 && t.GetId() >= lastID {
				return fmt.Errorf("timeline of %s: tweet #%d after #%d is out of order or repeated", user.name, t.GetId(), lastID)
			}
			lastID = t.GetId()
			fmt.Fprintf(out, "  #%d %s: %s\n", t.GetId(), t.GetAuthorName(), t.GetText())
		}
		if resp.GetNextPageToken() == "" {
			return nil
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
