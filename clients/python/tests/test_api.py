"""test_api.py: the generated stubs against the live server: the status code
of each documented mistake, and timeline paging across pages."""

import grpc
import pytest

from miniter.v1 import miniter_pb2 as pb

from conftest import PASSWORD, unique_email

# Far above any id this test database hands out, and within BIGINT range.
UNKNOWN_USER_ID = 9_000_000_000_000_000_000


def status_of(call, *args, **kwargs):
    """Runs an RPC that must fail and returns its status code."""
    with pytest.raises(grpc.RpcError) as error:
        call(*args, **kwargs)
    return error.value.code()


def test_duplicate_email_in_other_case_is_already_exists(stub):
    email = unique_email("Case.Test")
    stub.SignUp(pb.SignUpRequest(name="First", email=email, password=PASSWORD))
    again = pb.SignUpRequest(name="Second", email=email.upper(), password=PASSWORD)
    assert status_of(stub.SignUp, again) == grpc.StatusCode.ALREADY_EXISTS


def test_tweet_of_301_characters_is_invalid_argument(stub, signed_in):
    _, auth = signed_in()
    # Characters are code points: 300 Hangul syllables fit, 301 do not.
    assert stub.Tweet(pb.TweetRequest(text="가" * 300), metadata=auth).tweet.text == "가" * 300
    code = status_of(stub.Tweet, pb.TweetRequest(text="가" * 301), metadata=auth)
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_tweet_without_token_is_unauthenticated(stub):
    code = status_of(stub.Tweet, pb.TweetRequest(text="no token"))
    assert code == grpc.StatusCode.UNAUTHENTICATED


def test_tweet_with_forged_token_is_unauthenticated(stub):
    code = status_of(stub.Tweet, pb.TweetRequest(text="forged"),
                     metadata=[("authorization", "Bearer not.a.token")])
    assert code == grpc.StatusCode.UNAUTHENTICATED


def test_unknown_user_id_is_not_found(stub, signed_in):
    _, auth = signed_in()
    assert status_of(stub.Follow, pb.FollowRequest(user_id=UNKNOWN_USER_ID),
                     metadata=auth) == grpc.StatusCode.NOT_FOUND
    assert status_of(stub.Timeline, pb.TimelineRequest(user_id=UNKNOWN_USER_ID),
                     metadata=auth) == grpc.StatusCode.NOT_FOUND


def test_timeline_pages_follow_next_page_token(stub, signed_in):
    user, auth = signed_in("페이지")
    posted = [stub.Tweet(pb.TweetRequest(text=f"tweet {i} ✨"), metadata=auth).tweet.id
              for i in range(5)]

    pages, page_token = [], ""
    while True:
        page = stub.Timeline(pb.TimelineRequest(user_id=user.id, page_size=2,
                                                page_token=page_token), metadata=auth)
        pages.append([tweet.id for tweet in page.tweets])
        page_token = page.next_page_token
        if not page_token:
            break

    assert [len(p) for p in pages] == [2, 2, 1]
    # Newest first, every tweet exactly once across the pages.
    assert [tweet_id for p in pages for tweet_id in p] == posted[::-1]
