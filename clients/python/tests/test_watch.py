"""test_watch.py: WatchTimeline through the generated stubs against the live
server: a tweet posted through another connection arrives on the stream,
and reconnecting with the last cursor sends what was missed, once."""

import grpc
import pytest

from miniter.v1 import miniter_pb2 as pb
from miniter.v1 import miniter_pb2_grpc as pb_grpc


def test_watch_receives_followed_tweet_and_resumes_without_gap_or_repeat(
        stub, signed_in, watch, server_address):
    ann, ann_auth = signed_in("Ann")
    bob, bob_auth = signed_in("Bob")
    stub.Follow(pb.FollowRequest(user_id=bob.id), metadata=ann_auth)

    first = watch(ann_auth)
    # Posted through a second channel: another connection, as another
    # device of Bob's would.
    with grpc.insecure_channel(server_address) as other:
        posted = pb_grpc.MiniterStub(other).Tweet(
            pb.TweetRequest(text="live 📡"), metadata=bob_auth).tweet
    event = first.next_tweet()
    assert (event.tweet.id, event.tweet.author_id, event.tweet.text) == (posted.id, bob.id, "live 📡")
    assert event.cursor
    first.close()

    # While Ann is away: Bob tweets twice and Ann once.
    missed = [stub.Tweet(pb.TweetRequest(text=f"missed {i}"), metadata=auth).tweet.id
              for i, auth in enumerate((bob_auth, ann_auth, bob_auth))]
    again = watch(ann_auth, resume_cursor=event.cursor)
    replayed = [again.next_tweet().tweet.id for _ in missed]
    assert replayed == missed  # oldest first, the one already seen not repeated
    assert again.pending(1.0) == []


def test_watch_with_a_made_up_cursor_is_invalid_argument(signed_in, watch):
    _, auth = signed_in()
    with pytest.raises(grpc.RpcError) as error:
        watch(auth, resume_cursor="made-up").next_tweet()
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_watch_without_a_token_is_unauthenticated(watch):
    with pytest.raises(grpc.RpcError) as error:
        watch([]).next_tweet()
    assert error.value.code() == grpc.StatusCode.UNAUTHENTICATED
