"""test_people.py: the stubs of issue 15's read RPCs against the live
server: GetUser, SearchUsers (Korean and case-folded prefixes),
ListFollowing, ListFollowers and UserTweets, each paged to the end with
every item once, and the status code of each documented mistake."""

import secrets

import grpc
import pytest

from miniter.v1 import miniter_pb2 as pb

from test_api import UNKNOWN_USER_ID, status_of


def read_pages(call, request, items, auth):
    """Every item of a paged RPC, and the size of each page."""
    found, sizes = [], []
    while True:
        page = call(request, metadata=auth)
        found.extend(getattr(page, items))
        sizes.append(len(getattr(page, items)))
        if not page.next_page_token:
            return found, sizes
        request.page_token = page.next_page_token


def test_get_user_counts_follows_and_shows_email_only_to_its_owner(stub, signed_in):
    ann, ann_auth = signed_in("Ann")
    bob, bob_auth = signed_in("Bob")
    stub.Follow(pb.FollowRequest(user_id=ann.id), metadata=bob_auth)

    seen_by_bob = stub.GetUser(pb.GetUserRequest(user_id=ann.id), metadata=bob_auth)
    assert (seen_by_bob.user.id, seen_by_bob.user.name) == (ann.id, "Ann")
    assert (seen_by_bob.follower_count, seen_by_bob.following_count) == (1, 0)
    assert seen_by_bob.user.email == ""
    assert seen_by_bob.user.created_at.seconds > 0

    own = stub.GetUser(pb.GetUserRequest(), metadata=bob_auth)  # 0: the caller
    assert (own.user.id, own.user.email) == (bob.id, bob.email)
    assert (own.follower_count, own.following_count) == (0, 1)


def test_search_users_matches_korean_and_case_folded_prefixes(stub, signed_in):
    # A tag of this run in every name, so that only these accounts match.
    tag = secrets.token_hex(4)
    korean, auth = signed_in(f"변{tag}성윤")
    straße, _ = signed_in(f"Straße{tag}")
    ann, _ = signed_in(f"ANN{tag}")

    def search(query):
        return [u.id for u in stub.SearchUsers(pb.SearchUsersRequest(query=query),
                                               metadata=auth).users]

    assert search(f"변{tag}") == [korean.id]
    assert search(f"strasse{tag.upper()}") == [straße.id]  # ß folds to ss
    assert search(f"ann{tag}") == [ann.id]
    assert search(f"ann{tag}x") == []


def test_search_users_pages_through_every_match_once(stub, signed_in):
    tag = secrets.token_hex(4)
    made = [signed_in(f"Page{tag} {i}") for i in range(5)]
    auth = made[0][1]
    found, sizes = read_pages(stub.SearchUsers,
                              pb.SearchUsersRequest(query=f"page{tag}", page_size=2),
                              "users", auth)
    assert sizes == [2, 2, 1]
    # In the order of the (folded) names: "… 0" to "… 4".
    assert [u.id for u in found] == [user.id for user, _ in made]
    # Only the caller's own account carries an e-mail.
    assert [bool(u.email) for u in found] == [True, False, False, False, False]


def test_list_followers_and_following_page_newest_edge_first(stub, signed_in):
    star, star_auth = signed_in("Star")
    fans = [signed_in(f"Fan {i}") for i in range(5)]
    for _, fan_auth in fans:
        stub.Follow(pb.FollowRequest(user_id=star.id), metadata=fan_auth)
    followers, sizes = read_pages(stub.ListFollowers,
                                  pb.ListFollowersRequest(user_id=star.id, page_size=2),
                                  "users", star_auth)
    assert sizes == [2, 2, 1]
    assert [u.id for u in followers] == [fan.id for fan, _ in reversed(fans)]

    fan, fan_auth = fans[0]
    for other, _ in fans[1:3]:
        stub.Follow(pb.FollowRequest(user_id=other.id), metadata=fan_auth)
    following, _ = read_pages(stub.ListFollowing,
                              pb.ListFollowingRequest(user_id=fan.id, page_size=2),
                              "users", star_auth)
    assert [u.id for u in following] == [fans[2][0].id, fans[1][0].id, star.id]
    # 0 means the caller's own list.
    own, _ = read_pages(stub.ListFollowing, pb.ListFollowingRequest(), "users", fan_auth)
    assert [u.id for u in own] == [u.id for u in following]


def test_user_tweets_pages_only_the_authors_own_tweets(stub, signed_in):
    ann, ann_auth = signed_in("Ann")
    bob, bob_auth = signed_in("Bob")
    stub.Follow(pb.FollowRequest(user_id=bob.id), metadata=ann_auth)
    posted = []
    for i in range(5):
        posted.append(stub.Tweet(pb.TweetRequest(text=f"ann {i} 🌱"), metadata=ann_auth).tweet.id)
        stub.Tweet(pb.TweetRequest(text=f"bob {i}"), metadata=bob_auth)
    tweets, sizes = read_pages(stub.UserTweets,
                               pb.UserTweetsRequest(user_id=ann.id, page_size=2),
                               "tweets", bob_auth)
    assert sizes == [2, 2, 1]
    assert [t.id for t in tweets] == posted[::-1]
    assert {(t.author_id, t.author_name) for t in tweets} == {(ann.id, "Ann")}


@pytest.mark.parametrize("rpc,request_message,code", [
    ("GetUser", pb.GetUserRequest(user_id=UNKNOWN_USER_ID), grpc.StatusCode.NOT_FOUND),
    ("ListFollowers", pb.ListFollowersRequest(user_id=UNKNOWN_USER_ID), grpc.StatusCode.NOT_FOUND),
    ("ListFollowing", pb.ListFollowingRequest(user_id=UNKNOWN_USER_ID), grpc.StatusCode.NOT_FOUND),
    ("UserTweets", pb.UserTweetsRequest(user_id=UNKNOWN_USER_ID), grpc.StatusCode.NOT_FOUND),
    ("SearchUsers", pb.SearchUsersRequest(query=""), grpc.StatusCode.INVALID_ARGUMENT),
    ("SearchUsers", pb.SearchUsersRequest(query="   "), grpc.StatusCode.INVALID_ARGUMENT),
    ("SearchUsers", pb.SearchUsersRequest(query="a", page_size=101), grpc.StatusCode.INVALID_ARGUMENT),
    ("SearchUsers", pb.SearchUsersRequest(query="a", page_token="made-up"),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("ListFollowers", pb.ListFollowersRequest(page_token="made-up"), grpc.StatusCode.INVALID_ARGUMENT),
    ("UserTweets", pb.UserTweetsRequest(page_size=-1), grpc.StatusCode.INVALID_ARGUMENT),
], ids=["GetUser unknown id", "ListFollowers unknown id", "ListFollowing unknown id",
        "UserTweets unknown id", "SearchUsers empty query", "SearchUsers all-space query",
        "SearchUsers page_size 101", "SearchUsers made-up page_token",
        "ListFollowers made-up page_token", "UserTweets page_size -1"])
def test_documented_mistakes(stub, signed_in, rpc, request_message, code):
    _, auth = signed_in()
    assert status_of(getattr(stub, rpc), request_message, metadata=auth) == code


@pytest.mark.parametrize("rpc,request_message", [
    ("GetUser", pb.GetUserRequest()),
    ("SearchUsers", pb.SearchUsersRequest(query="a")),
    ("ListFollowing", pb.ListFollowingRequest()),
    ("ListFollowers", pb.ListFollowersRequest()),
    ("UserTweets", pb.UserTweetsRequest()),
], ids=lambda value: value if isinstance(value, str) else "")
def test_every_new_read_needs_a_token(stub, rpc, request_message):
    assert status_of(getattr(stub, rpc), request_message) == grpc.StatusCode.UNAUTHENTICATED
