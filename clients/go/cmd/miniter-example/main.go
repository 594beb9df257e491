// Command miniter-example walks through the miniter tutorial with the Go
// client: three people sign up (one with a Korean name), log in, tweet in
// Korean and with emoji, one follows the other two, reads the timeline,
// unfollows one and reads it again.
//
//	go run ./cmd/miniter-example -server 127.0.0.1:50051
//
// Each run signs up new accounts (unique e-mail addresses), so it can run
// against the same server any number of times.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

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

	for _, followee := range []account{minsu, bob} {
		if _, err := client.Follow(ann.ctx, &pb.FollowRequest{UserId: followee.id}); err != nil {
			return fmt.Errorf("follow %s: %w", followee.name, err)
		}
		fmt.Fprintf(out, "%s follows %s\n", ann.name, followee.name)
	}
	if err := printTimeline(client, ann, out); err != nil {
		return err
	}

	if _, err := client.Unfollow(ann.ctx, &pb.UnfollowRequest{UserId: bob.id}); err != nil {
		return fmt.Errorf("unfollow %s: %w", bob.name, err)
	}
	fmt.Fprintf(out, "%s unfollows %s\n", ann.name, bob.name)
	return printTimeline(client, ann, out)
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
