"""miniter_example.py: the miniter tutorial as a Python gRPC client.

Three people sign up (one with a Korean name), log in and tweet in Korean
and with emoji; Minsu follows the other two, reads the timeline, unfollows
one and reads it again. Every step is printed.

Needs the stubs from clients/python/setup_env.sh on PYTHONPATH, e.g.

    PYTHONPATH=build/clients/python/gen build/clients/python/venv/bin/python \\
        clients/python/miniter_example.py --server 127.0.0.1:50051

Any failed call raises grpc.RpcError, which ends the program with a
traceback naming the status code, and a non-zero exit.
"""

import argparse
import secrets

import grpc

from miniter.v1 import miniter_pb2 as pb
from miniter.v1 import miniter_pb2_grpc as pb_grpc

PASSWORD = "correct horse battery"


def sign_up_and_log_in(stub, name, email_local, run_id):
    """Creates an account and returns (user, call metadata carrying its token)."""
    # The random run id keeps e-mails unique, so the example can run again
    # and again against the same database.
    email = f"{email_local}+{run_id}@example.com"
    user = stub.SignUp(pb.SignUpRequest(name=name, email=email, password=PASSWORD)).user
    login = stub.Login(pb.LoginRequest(email=email, password=PASSWORD))
    print(f"signed up and logged in: {user.name} (id {user.id}, {user.email})")
    return user, [("authorization", f"Bearer {login.access_token}")]


def read_timeline(stub, auth, page_size=2):
    """Reads the caller's whole timeline, following next_page_token page by page."""
    # A small page size so that even this short timeline spans several pages.
    tweets, page_token = [], ""
    while True:
        page = stub.Timeline(
            pb.TimelineRequest(page_size=page_size, page_token=page_token), metadata=auth)
        tweets.extend(page.tweets)
        page_token = page.next_page_token
        if not page_token:
            return tweets


def print_timeline(title, tweets):
    print(f"{title}: {len(tweets)} tweets, newest first")
    for tweet in tweets:
        print(f"  {tweet.author_name}: {tweet.text}")
    # The server promises newest first, each tweet once; say so if it did not.
    ids = [tweet.id for tweet in tweets]
    if ids != sorted(set(ids), reverse=True):
        raise SystemExit(f"timeline out of order or repeated: ids {ids}")


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

        for user in (ann, bob):
            stub.Follow(pb.FollowRequest(user_id=user.id), metadata=minsu_auth)
            print(f"{minsu.name} follows {user.name}")
        print_timeline(f"{minsu.name}'s timeline", read_timeline(stub, minsu_auth))

        stub.Unfollow(pb.UnfollowRequest(user_id=bob.id), metadata=minsu_auth)
        print(f"{minsu.name} unfollows {bob.name}")
        print_timeline(f"{minsu.name}'s timeline", read_timeline(stub, minsu_auth))


if __name__ == "__main__":
    main()
