// miniter_test.go: tests of the generated Go client against a live miniter
// server (ctest go_client_test starts one through the fixture
// miniter_server): the tutorial scenario, the documented status codes,
// timeline paging, finding people (SearchUsers, GetUser, ListFollowing,
// ListFollowers, UserTweets), WatchTimeline, and the example program.
//
// The server address is read from the file named by
// MINITER_TEST_SERVER_ADDRESS_FILE. Without it the tests skip, unless
// MINITER_TEST_REQUIRE_SERVER=1 (ctest sets it), where they fail: a
// misconfigured CI must turn red, not pass with nothing run.
package miniter_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "github.com/miniter/miniter/clients/go/miniterpb"
)

const password = "correct horse battery"

func serverAddress(t *testing.T) string {
	t.Helper()
	file := os.Getenv("MINITER_TEST_SERVER_ADDRESS_FILE")
	if file == "" {
		const why = "MINITER_TEST_SERVER_ADDRESS_FILE is not set; run through ctest (ctest -R go_client) to get a live server"
		if os.Getenv("MINITER_TEST_REQUIRE_SERVER") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	address, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("reading the server address: %v", err)
	}
	return strings.TrimSpace(string(address))
}

func newClient(t *testing.T) pb.MiniterClient {
	t.Helper()
	conn, err := grpc.NewClient(serverAddress(t), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return pb.NewMiniterClient(conn)
}

// callContext bounds one test's calls, so a stuck server fails the test
// instead of hanging until ctest's timeout.
func callContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var emailCounter atomic.Int64

// uniqueEmail never repeats, within a run (counter) or across runs on the
// same database (time), since an address can sign up only once.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s.%d.%d@example.com", prefix, time.Now().UnixNano(), emailCounter.Add(1))
}

type user struct {
	id    uint64
	name  string
	email string
	ctx   context.Context // carries the access token
}

func signUpAndLogIn(t *testing.T, client pb.MiniterClient, name string) user {
	t.Helper()
	ctx := callContext(t)
	email := uniqueEmail("go")
	signUp, err := client.SignUp(ctx, &pb.SignUpRequest{Name: name, Email: email, Password: password})
	if err != nil {
		t.Fatalf("SignUp(%q): %v", name, err)
	}
	if got := signUp.GetUser().GetName(); got != name {
		t.Errorf("SignUp returned name %q, want %q", got, name)
	}
	login, err := client.Login(ctx, &pb.LoginRequest{Email: email, Password: password})
	if err != nil {
		t.Fatalf("Login(%q): %v", email, err)
	}
	if login.GetUserId() != signUp.GetUser().GetId() {
		t.Errorf("Login user_id %d, SignUp id %d", login.GetUserId(), signUp.GetUser().GetId())
	}
	return user{
		id:    login.GetUserId(),
		name:  name,
		email: email,
		ctx:   metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+login.GetAccessToken()),
	}
}

func tweet(t *testing.T, client pb.MiniterClient, by user, text string) *pb.Tweet {
	t.Helper()
	resp, err := client.Tweet(by.ctx, &pb.TweetRequest{Text: text})
	if err != nil {
		t.Fatalf("Tweet(%q) as %s: %v", text, by.name, err)
	}
	return resp.GetTweet()
}

// timeline reads all of a user's timeline, page by page, and fails the test
// if a tweet is out of order or repeated.
func timeline(t *testing.T, client pb.MiniterClient, reader user, pageSize int32) []*pb.Tweet {
	t.Helper()
	var all []*pb.Tweet
	req := &pb.TimelineRequest{PageSize: pageSize}
	for {
		resp, err := client.Timeline(reader.ctx, req)
		if err != nil {
			t.Fatalf("Timeline as %s: %v", reader.name, err)
		}
		all = append(all, resp.GetTweets()...)
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	for i := 1; i < len(all); i++ {
		if all[i].GetId() >= all[i-1].GetId() {
			t.Fatalf("timeline of %s: tweet #%d follows #%d: not newest first, or repeated", reader.name, all[i].GetId(), all[i-1].GetId())
		}
	}
	return all
}

func texts(tweets []*pb.Tweet) []string {
	var out []string
	for _, t := range tweets {
		out = append(out, t.GetText())
	}
	return out
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

func TestScenario(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	ann := signUpAndLogIn(t, client, "Ann")
	minsu := signUpAndLogIn(t, client, "민수")
	bob := signUpAndLogIn(t, client, "Bob")

	tweet(t, client, ann, "Hello from Ann")
	minsuTweet := tweet(t, client, minsu, "안녕하세요! 첫 트윗입니다")
	tweet(t, client, bob, "Bob was here 🐹🚀")
	tweet(t, client, minsu, "오늘 날씨 좋네요 ☀️")
	tweet(t, client, ann, "Following 민수 and Bob now 👋")
	if minsuTweet.GetAuthorId() != minsu.id {
		t.Errorf("tweet author_id %d, want %d", minsuTweet.GetAuthorId(), minsu.id)
	}

	for _, followee := range []user{minsu, bob} {
		if _, err := client.Follow(ann.ctx, &pb.FollowRequest{UserId: followee.id}); err != nil {
			t.Fatalf("Follow(%s): %v", followee.name, err)
		}
	}
	// Following twice is documented to succeed and change nothing.
	if _, err := client.Follow(ann.ctx, &pb.FollowRequest{UserId: bob.id}); err != nil {
		t.Fatalf("second Follow(Bob): %v", err)
	}

	// Page size 2 makes the reads cross pages; Korean and emoji must come
	// back byte for byte.
	got := timeline(t, client, ann, 2)
	want := []string{"Following 민수 and Bob now 👋", "오늘 날씨 좋네요 ☀️", "Bob was here 🐹🚀", "안녕하세요! 첫 트윗입니다", "Hello from Ann"}
	if !equal(texts(got), want) {
		t.Fatalf("Ann's timeline = %q, want %q", texts(got), want)
	}
	if name := got[1].GetAuthorName(); name != "민수" {
		t.Errorf("author_name = %q, want 민수", name)
	}

	if _, err := client.Unfollow(ann.ctx, &pb.UnfollowRequest{UserId: bob.id}); err != nil {
		t.Fatalf("Unfollow(Bob): %v", err)
	}
	got = timeline(t, client, ann, 0)
	want = []string{"Following 민수 and Bob now 👋", "오늘 날씨 좋네요 ☀️", "안녕하세요! 첫 트윗입니다", "Hello from Ann"}
	if !equal(texts(got), want) {
		t.Fatalf("Ann's timeline after unfollowing Bob = %q, want %q", texts(got), want)
	}
}

func TestStatusCodes(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	ann := signUpAndLogIn(t, client, "Ann")

	for _, tc := range []struct {
		name string
		want codes.Code
		call func(ctx context.Context) error
	}{{
		name: "duplicate e-mail in other case",
		want: codes.AlreadyExists,
		call: func(ctx context.Context) error {
			_, err := client.SignUp(ctx, &pb.SignUpRequest{Name: "Ann again", Email: strings.ToUpper(ann.email), Password: password})
			return err
		},
	}, {
		name: "301-character tweet",
		want: codes.InvalidArgument,
		call: func(context.Context) error {
			_, err := client.Tweet(ann.ctx, &pb.TweetRequest{Text: strings.Repeat("가", 301)})
			return err
		},
	}, {
		name: "300-character tweet fits",
		want: codes.OK,
		call: func(context.Context) error {
			_, err := client.Tweet(ann.ctx, &pb.TweetRequest{Text: strings.Repeat("가", 300)})
			return err
		},
	}, {
		name: "tweet without a token",
		want: codes.Unauthenticated,
		call: func(ctx context.Context) error {
			_, err := client.Tweet(ctx, &pb.TweetRequest{Text: "hello"})
			return err
		},
	}, {
		name: "wrong password",
		want: codes.Unauthenticated,
		call: func(ctx context.Context) error {
			_, err := client.Login(ctx, &pb.LoginRequest{Email: ann.email, Password: "not the password"})
			return err
		},
	}, {
		name: "follow an unknown user id",
		want: codes.NotFound,
		call: func(context.Context) error {
			// Ids count up from 1; none is anywhere near this.
			_, err := client.Follow(ann.ctx, &pb.FollowRequest{UserId: 1 << 62})
			return err
		},
	}, {
		name: "timeline of an unknown user id",
		want: codes.NotFound,
		call: func(context.Context) error {
			_, err := client.Timeline(ann.ctx, &pb.TimelineRequest{UserId: 1 << 62})
			return err
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(callContext(t))
			if got := status.Code(err); got != tc.want {
				t.Errorf("code %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

func TestTimelinePaging(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	ann := signUpAndLogIn(t, client, "Ann")
	var want []string
	for i := 1; i <= 7; i++ {
		text := fmt.Sprintf("tweet %d", i)
		tweet(t, client, ann, text)
		want = append([]string{text}, want...)
	}

	// 7 tweets in pages of 3: 3, 3, 1, and no token after the last.
	first, err := client.Timeline(ann.ctx, &pb.TimelineRequest{PageSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if n, token := len(first.GetTweets()), first.GetNextPageToken(); n != 3 || token == "" {
		t.Fatalf("first page: %d tweets, next_page_token %q; want 3 and a token", n, token)
	}
	// A tweet posted while paging must not show up in older pages (nor
	// shift them), as the .proto promises.
	tweet(t, client, ann, "posted while paging")
	got := first.GetTweets()
	token := first.GetNextPageToken()
	var sizes []int
	for token != "" {
		resp, err := client.Timeline(ann.ctx, &pb.TimelineRequest{PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatalf("Timeline(page_token %q): %v", token, err)
		}
		sizes = append(sizes, len(resp.GetTweets()))
		got = append(got, resp.GetTweets()...)
		token = resp.GetNextPageToken()
	}
	if fmt.Sprint(sizes) != "[3 1]" {
		t.Errorf("later page sizes %v, want [3 1]", sizes)
	}
	if !equal(texts(got), want) {
		t.Errorf("paged timeline = %q, want %q", texts(got), want)
	}

	if _, err := client.Timeline(ann.ctx, &pb.TimelineRequest{PageSize: 3, PageToken: "not-a-token"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("made-up page_token: %v, want InvalidArgument", err)
	}
}

// TestExample runs the example program as a user would, so that it keeps
// compiling and working.
func TestExample(t *testing.T) {
	t.Parallel()
	address := serverAddress(t)
	// `go test` puts its own Go first on PATH, so this is the same toolchain.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // includes compiling
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/miniter-example", "-server", address)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go run ./cmd/miniter-example: %v\n%s", err, out)
	}
	for _, want := range []string{
		"민수", "안녕하세요", "🐹🚀", "Ann unfollows Bob",
		`search "민" found 민수`, `search "BO" found Bob`,
		"profile of 민수: 0 followers, 0 following\n",
		"Ann follows (most recent first): Bob, 민수\n",
		"followers of 민수: Ann\n",
		"live: #", " 민수: 지금 실시간으로 📡\n", "Ann stops watching",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("example output lacks %q:\n%s", want, out)
		}
	}
}

// pages calls a paged RPC until next_page_token is empty and returns the
// ids of all items and the size of each page. call gets the page token and
// returns the page's ids and the next token.
func pages(t *testing.T, call func(token string) ([]uint64, string, error)) (ids []uint64, sizes []int) {
	t.Helper()
	token := ""
	for {
		page, next, err := call(token)
		if err != nil {
			t.Fatalf("page after token %q: %v", token, err)
		}
		ids = append(ids, page...)
		sizes = append(sizes, len(page))
		if next == "" {
			return ids, sizes
		}
		token = next
	}
}

func userIDs(users []*pb.User) []uint64 {
	var ids []uint64
	for _, u := range users {
		ids = append(ids, u.GetId())
	}
	return ids
}

func TestPeople(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	// A tag of this run in every name, so that only these accounts match
	// the searches below.
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	star := signUpAndLogIn(t, client, "변"+tag+"성윤")
	var fans []user
	for i := 0; i < 3; i++ {
		fan := signUpAndLogIn(t, client, fmt.Sprintf("FAN%s %d", tag, i))
		if _, err := client.Follow(fan.ctx, &pb.FollowRequest{UserId: star.id}); err != nil {
			t.Fatalf("Follow: %v", err)
		}
		fans = append(fans, fan)
	}
	reader := fans[0]

	t.Run("SearchUsers, Korean and case-folded", func(t *testing.T) {
		resp, err := client.SearchUsers(reader.ctx, &pb.SearchUsersRequest{Query: "변" + tag})
		if err != nil {
			t.Fatal(err)
		}
		if got := userIDs(resp.GetUsers()); fmt.Sprint(got) != fmt.Sprint([]uint64{star.id}) {
			t.Errorf("search 변%s = %v, want [%d]", tag, got, star.id)
		}
		ids, sizes := pages(t, func(token string) ([]uint64, string, error) {
			resp, err := client.SearchUsers(reader.ctx, &pb.SearchUsersRequest{Query: "fan" + strings.ToUpper(tag), PageSize: 2, PageToken: token})
			return userIDs(resp.GetUsers()), resp.GetNextPageToken(), err
		})
		if want := []uint64{fans[0].id, fans[1].id, fans[2].id}; fmt.Sprint(ids) != fmt.Sprint(want) || fmt.Sprint(sizes) != "[2 1]" {
			t.Errorf("search fan%s in pages of 2 = %v in pages %v, want %v in [2 1]", strings.ToUpper(tag), ids, sizes, want)
		}
	})

	t.Run("GetUser", func(t *testing.T) {
		resp, err := client.GetUser(reader.ctx, &pb.GetUserRequest{UserId: star.id})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetUser().GetName() != star.name || resp.GetFollowerCount() != 3 || resp.GetFollowingCount() != 0 || resp.GetUser().GetEmail() != "" {
			t.Errorf("GetUser(star) = %v; want %s, 3 followers, 0 following, no e-mail", resp, star.name)
		}
		own, err := client.GetUser(reader.ctx, &pb.GetUserRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if own.GetUser().GetId() != reader.id || own.GetUser().GetEmail() != reader.email || own.GetFollowingCount() != 1 {
			t.Errorf("own GetUser = %v; want id %d, e-mail %s, 1 following", own, reader.id, reader.email)
		}
	})

	t.Run("ListFollowers and ListFollowing, newest first", func(t *testing.T) {
		ids, sizes := pages(t, func(token string) ([]uint64, string, error) {
			resp, err := client.ListFollowers(reader.ctx, &pb.ListFollowersRequest{UserId: star.id, PageSize: 2, PageToken: token})
			return userIDs(resp.GetUsers()), resp.GetNextPageToken(), err
		})
		if want := []uint64{fans[2].id, fans[1].id, fans[0].id}; fmt.Sprint(ids) != fmt.Sprint(want) || fmt.Sprint(sizes) != "[2 1]" {
			t.Errorf("followers = %v in pages %v, want %v in [2 1]", ids, sizes, want)
		}
		resp, err := client.ListFollowing(reader.ctx, &pb.ListFollowingRequest{UserId: reader.id})
		if err != nil {
			t.Fatal(err)
		}
		if got := userIDs(resp.GetUsers()); fmt.Sprint(got) != fmt.Sprint([]uint64{star.id}) || resp.GetNextPageToken() != "" {
			t.Errorf("following = %v (token %q), want [%d] and no token", got, resp.GetNextPageToken(), star.id)
		}
	})

	t.Run("UserTweets, only the author's own", func(t *testing.T) {
		var want []uint64
		for i := 0; i < 3; i++ {
			want = append([]uint64{tweet(t, client, star, fmt.Sprintf("별 %d ⭐", i)).GetId()}, want...)
			tweet(t, client, reader, "not by the star")
		}
		ids, sizes := pages(t, func(token string) ([]uint64, string, error) {
			resp, err := client.UserTweets(reader.ctx, &pb.UserTweetsRequest{UserId: star.id, PageSize: 2, PageToken: token})
			var ids []uint64
			for _, tw := range resp.GetTweets() {
				ids = append(ids, tw.GetId())
			}
			return ids, resp.GetNextPageToken(), err
		})
		if fmt.Sprint(ids) != fmt.Sprint(want) || fmt.Sprint(sizes) != "[2 1]" {
			t.Errorf("UserTweets = %v in pages %v, want %v in [2 1]", ids, sizes, want)
		}
	})

	t.Run("status codes", func(t *testing.T) {
		const unknown = 1 << 62
		noToken := callContext(t)
		for _, tc := range []struct {
			name string
			want codes.Code
			err  func() error
		}{
			{"GetUser of an unknown id", codes.NotFound, func() error {
				_, err := client.GetUser(reader.ctx, &pb.GetUserRequest{UserId: unknown})
				return err
			}},
			{"ListFollowers of an unknown id", codes.NotFound, func() error {
				_, err := client.ListFollowers(reader.ctx, &pb.ListFollowersRequest{UserId: unknown})
				return err
			}},
			{"UserTweets of an unknown id", codes.NotFound, func() error {
				_, err := client.UserTweets(reader.ctx, &pb.UserTweetsRequest{UserId: unknown})
				return err
			}},
			{"SearchUsers with an empty query", codes.InvalidArgument, func() error {
				_, err := client.SearchUsers(reader.ctx, &pb.SearchUsersRequest{})
				return err
			}},
			{"ListFollowing with a made-up page_token", codes.InvalidArgument, func() error {
				_, err := client.ListFollowing(reader.ctx, &pb.ListFollowingRequest{PageToken: "not-a-token"})
				return err
			}},
			{"GetUser without a token", codes.Unauthenticated, func() error {
				_, err := client.GetUser(noToken, &pb.GetUserRequest{UserId: star.id})
				return err
			}},
		} {
			if got := status.Code(tc.err()); got != tc.want {
				t.Errorf("%s: code %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

// watch opens a WatchTimeline stream and gives the server a moment to set
// it up: it waits for the response headers, which a server may send once
// the stream is set up or only with the first event, at most 2 s. Cancel
// ctx to stop.
func watch(t *testing.T, client pb.MiniterClient, ctx context.Context, cursor string) pb.Miniter_WatchTimelineClient {
	t.Helper()
	stream, err := client.WatchTimeline(ctx, &pb.WatchTimelineRequest{ResumeCursor: cursor})
	if err != nil {
		t.Fatalf("WatchTimeline: %v", err)
	}
	headers := make(chan struct{})
	go func() { stream.Header(); close(headers) }()
	select {
	case <-headers:
	case <-time.After(2 * time.Second):
	}
	return stream
}

// nextTweet returns the next tweet event, skipping heartbeats.
func nextTweet(t *testing.T, stream pb.Miniter_WatchTimelineClient) *pb.WatchTimelineResponse {
	t.Helper()
	for {
		event, err := stream.Recv()
		if err != nil {
			t.Fatalf("WatchTimeline: %v", err)
		}
		if event.GetTweet() != nil {
			return event
		}
	}
}

func TestWatchTimeline(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	ann := signUpAndLogIn(t, client, "Ann")
	bob := signUpAndLogIn(t, client, "Bob")
	if _, err := client.Follow(ann.ctx, &pb.FollowRequest{UserId: bob.id}); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithTimeout(ann.ctx, 20*time.Second)
	stream := watch(t, client, ctx, "")
	// Bob posts through a connection of his own, as from another device.
	posted := tweet(t, newClient(t), bob, "live 📡")
	event := nextTweet(t, stream)
	if event.GetTweet().GetId() != posted.GetId() || event.GetTweet().GetText() != "live 📡" || event.GetCursor() == "" {
		t.Fatalf("first event %v, want tweet #%d with a cursor", event, posted.GetId())
	}
	stop()
	if _, err := stream.Recv(); status.Code(err) != codes.Canceled {
		t.Errorf("after cancel: %v, want Canceled", err)
	}

	// Missed while away; reconnecting with the last cursor sends exactly
	// these, oldest first, not the one already received.
	var missed []uint64
	for _, by := range []user{bob, ann, bob} {
		missed = append(missed, tweet(t, client, by, "while away").GetId())
	}
	ctx, stop = context.WithTimeout(ann.ctx, 20*time.Second)
	defer stop()
	resumed := watch(t, client, ctx, event.GetCursor())
	var got []uint64
	for range missed {
		got = append(got, nextTweet(t, resumed).GetTweet().GetId())
	}
	if fmt.Sprint(got) != fmt.Sprint(missed) {
		t.Errorf("resumed stream sent %v, want %v", got, missed)
	}

	bad, stopBad := context.WithTimeout(ann.ctx, 10*time.Second)
	defer stopBad()
	badStream, err := client.WatchTimeline(bad, &pb.WatchTimelineRequest{ResumeCursor: "not-a-cursor"})
	if err == nil {
		_, err = badStream.Recv()
	}
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("made-up resume_cursor: %v, want InvalidArgument", err)
	}
}
