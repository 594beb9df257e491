"""miniter_example.py: the miniter tutorial as a Python gRPC client.

Three people sign up (one with a Korean name), log in and tweet in Korean
and with emoji. Minsu finds the other two by name (SearchUsers), reads
Ann's profile (GetUser), follows both, lists whom he follows and who
follows Ann, reads Ann's own tweets (UserTweets) and his timeline,
unfollows Bob and reads it again. Last, he watches his timeline live
(WatchTimeline) while Ann tweets through a second connection. Every step
is printed.

Needs the stubs from clients/python/setup_env.sh on PYTHONPATH, e.g.

    PYTHONPATH=build/clients/python/gen build/clients/python/venv/bin/python \\
        clients/python/miniter_example.py --server 127.0.0.1:50051

Any failed call raises grpc.RpcError, which ends the program with a
traceback naming the status code, and a non-zero exit.
"""

import argparse
import queue
import secrets
import threading

import grpc

from miniter.v1 import miniter_pb2 as pb
from miniter.v1 import miniter_pb2_grpc as pb_grpc

PASSWORD = "correct horse battery"
# How long the live part waits for the tweet to arrive (the server promises
# delivery usually within a second), and at most for the stream to be set up
# before posting (see watch_live_tweet).
WATCH_WAIT_SECONDS = 10
STREAM_SETUP_SECONDS = 2


def sign_up_and_log_in(stub, name, email_local, run_id):
    """Creates an account and returns (user, call metadata carrying its token)."""
    # The random run id keeps e-mails unique, so the example can run again
    # and again against the same database.
    email = f"{email_local}+{run_id}@example.com"
    user = stub.SignUp(pb.SignUpRequest(name=name, email=email, password=PASSWORD)).user
    login = stub.Login(pb.LoginRequest(email=email, password=PASSWORD))
    print(f"signed up and logged in: {user.name} (id {user.id}, {user.email})")
    return user, [("authorization", f"Bearer {login.access_token}")]


def read_all(rpc, request, items, page_size=2):
    """Calls a paged RPC until next_page_token is empty and returns every item.

    items names the response's repeated field ("tweets" or "users"). A small
    page size, so that even these short lists span several pages."""
    results = []
    request.page_size = page_size
    while True:
        page = rpc(request)
        results.extend(getattr(page, items))
        request.page_token = page.next_page_token
        if not request.page_token:
            return results


def find_user(stub, auth, query, user_id):
    """Finds a user by the start of their name, as a search box would.

    Other runs of this example (and other people) may share the name, so it
    reads the matches page by page and picks the account this run created;
    a person would pick from the list by looking at the profiles."""
    request = pb.SearchUsersRequest(query=query, page_size=50)
    while True:
        page = stub.SearchUsers(request, metadata=auth)
        for user in page.users:
            if user.id == user_id:
                print(f"search {query!r}: found {user.name} (id {user.id})")
                return user
        if not page.next_page_token:
            raise SystemExit(f"search {query!r} did not find user {user_id}")
        request.page_token = page.next_page_token


def print_profile(stub, auth, user_id=0):
    """Prints a profile; user_id 0 is the caller's own (with their e-mail)."""
    profile = stub.GetUser(pb.GetUserRequest(user_id=user_id), metadata=auth)
    email = f", e-mail {profile.user.email}" if profile.user.email else ""
    print(f"profile of {profile.user.name}: {profile.follower_count} followers, "
          f"{profile.following_count} following{email}")


def print_users(title, users):
    print(f"{title}: {', '.join(user.name for user in users)}")


def print_tweets(title, tweets):
    print(f"{title}: {len(tweets)} tweets, newest first")
    for tweet in tweets:
        print(f"  {tweet.author_name}: {tweet.text}")
    # The server promises newest first, each tweet once; say so if it did not.
    ids = [tweet.id for tweet in tweets]
    if ids != sorted(set(ids), reverse=True):
        raise SystemExit(f"tweets out of order or repeated: ids {ids}")


def watch_live_tweet(server, stub, watcher_auth, poster_auth, text):
    """Opens the watcher's WatchTimeline stream, posts `text` through a
    second channel (another connection, as another device would), waits for
    it on the stream and stops watching. Returns the tweet received."""
    stream = stub.WatchTimeline(pb.WatchTimelineRequest(), metadata=watcher_auth,
                                timeout=3 * WATCH_WAIT_SECONDS)
    # Reading blocks, so a thread reads the stream into a queue while the
    # main thread posts.
    events, headers = queue.Queue(), threading.Event()

    def read_stream():
        try:
            stream.initial_metadata()
            headers.set()
            for event in stream:
                events.put(event)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:  # CANCELLED: we stopped it
                events.put(error)

    reader = threading.Thread(target=read_stream, daemon=True)
    reader.start()
    # A stream sends only what is posted after the server has set it up. A
    # server may send the response headers then, or only with the first
    # event: wait for them, but not for long.
    headers.wait(STREAM_SETUP_SECONDS)
    with grpc.insecure_channel(server) as second_channel:
        posted = pb_grpc.MiniterStub(second_channel).Tweet(
            pb.TweetRequest(text=text), metadata=poster_auth).tweet
    try:
        while True:
            event = events.get(timeout=WATCH_WAIT_SECONDS)
            if isinstance(event, grpc.RpcError):
                raise event
            # Heartbeats (and tweets of others) may come first; the cursor of
            # the last event is what a reconnect would pass as resume_cursor.
            if event.WhichOneof("event") == "tweet" and event.tweet.id == posted.id:
                return event.tweet
    except queue.Empty:
        raise SystemExit(f"tweet {posted.id} did not arrive within {WATCH_WAIT_SECONDS} s")
    finally:
        stream.cancel()  # stop watching: the server ends the stream
        reader.join(WATCH_WAIT_SECONDS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051",
                        help="host:port of miniter-server (default %(default)s)")
    args = parser.parse_args()

    run_id = secrets.token_hex(4)
    with grpc.insecure_channel(args.server) as channel:
        stub = pb_grpc.MiniterStub(channel)

        minsu, minsu_auth = sign_up_and_log_in(stub, "김민수", "minsu", run_id)
        ann, ann_auth = sign_up_and_log_in(stub, "Ann", "ann", run_id)
        bob, bob_auth = sign_up_and_log_in(stub, "Bob", "bob", run_id)

        for name, auth, text in [
            (minsu.name, minsu_auth, "안녕하세요! 미니터 첫 트윗입니다 🎉"),
            (ann.name, ann_auth, "Hello from Ann 👋"),
            (bob.name, bob_auth, "Bob is here 🚀 반가워요"),
        ]:
            tweet = stub.Tweet(pb.TweetRequest(text=text), metadata=auth).tweet
            print(f"{name} tweeted (id {tweet.id}): {tweet.text}")

        # Names match from their start without regard to letter case.
        found = [find_user(stub, minsu_auth, "ann", ann.id),
                 find_user(stub, minsu_auth, "BO", bob.id)]
        print_profile(stub, minsu_auth, ann.id)
        for user in found:
            stub.Follow(pb.FollowRequest(user_id=user.id), metadata=minsu_auth)
            print(f"{minsu.name} follows {user.name}")
        print_profile(stub, minsu_auth)
        print_users(f"{minsu.name} follows (most recent first)", read_all(
            lambda r: stub.ListFollowing(r, metadata=minsu_auth),
            pb.ListFollowingRequest(), "users"))
        print_users(f"{ann.name}'s followers", read_all(
            lambda r: stub.ListFollowers(r, metadata=minsu_auth),
            pb.ListFollowersRequest(user_id=ann.id), "users"))
        print_tweets(f"{ann.name}'s own tweets", read_all(
            lambda r: stub.UserTweets(r, metadata=minsu_auth),
            pb.UserTweetsRequest(user_id=ann.id), "tweets"))

        def read_timeline():
            return read_all(lambda r: stub.Timeline(r, metadata=minsu_auth),
                            pb.TimelineRequest(), "tweets")

        print_tweets(f"{minsu.name}'s timeline", read_timeline())
        stub.Unfollow(pb.UnfollowRequest(user_id=bob.id), metadata=minsu_auth)
        print(f"{minsu.name} unfollows {bob.name}")
        print_tweets(f"{minsu.name}'s timeline", read_timeline())

        print(f"{minsu.name} watches his timeline live")
        live = watch_live_tweet(args.server, stub, minsu_auth, ann_auth, "Live from Ann 📡")
        print(f"live: {live.author_name}: {live.text}")
        print(f"{minsu.name} stops watching")


if __name__ == "__main__":
    main()
