"""conftest.py: shared fixtures of the Python client tests: the live server's
address, a stub for it, fresh signed-in users, and a reader of
WatchTimeline streams.

ctest (clients/python/CMakeLists.txt) sets MINITER_TEST_SERVER_ADDRESS_FILE
and puts the generated stubs on PYTHONPATH. Without a server the tests fail
rather than skip: a suite that quietly runs nothing proves nothing.
"""

import os
import queue
import secrets
import threading

import grpc
import pytest

from miniter.v1 import miniter_pb2 as pb
from miniter.v1 import miniter_pb2_grpc as pb_grpc

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def server_address():
    path = os.environ.get("MINITER_TEST_SERVER_ADDRESS_FILE")
    if not path:
        pytest.fail("MINITER_TEST_SERVER_ADDRESS_FILE is not set; run through ctest "
                    "or point it at a file holding the server's host:port")
    with open(path, encoding="utf-8") as f:
        return f.read().strip()


@pytest.fixture(scope="session")
def stub(server_address):
    with grpc.insecure_channel(server_address) as channel:
        yield pb_grpc.MiniterStub(channel)


def unique_email(local="user"):
    # Tests share one database for the whole ctest run (and reruns), so every
    # account gets an e-mail no other test or run uses.
    return f"{local}+{secrets.token_hex(6)}@example.com"


@pytest.fixture
def signed_in(stub):
    """A factory: signed_in(name) signs up a new user and returns (user, auth metadata)."""
    def make(name="Tester"):
        email = unique_email()
        user = stub.SignUp(pb.SignUpRequest(name=name, email=email, password=PASSWORD)).user
        token = stub.Login(pb.LoginRequest(email=email, password=PASSWORD)).access_token
        return user, [("authorization", f"Bearer {token}")]
    return make


class Watch:
    """A WatchTimeline stream read by a background thread into a queue, so
    that a test can post and then wait for an event with a timeout."""

    def __init__(self, stub, auth, resume_cursor="", wait_seconds=10, setup_seconds=2):
        self.wait_seconds = wait_seconds
        self.stream = stub.WatchTimeline(pb.WatchTimelineRequest(resume_cursor=resume_cursor),
                                         metadata=auth, timeout=60)
        self._events = queue.Queue()
        self._headers = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        # Only what is posted after the server has set the stream up reaches
        # it. A server may send the response headers then, or only with the
        # first event: wait for them, but not for long.
        self._headers.wait(setup_seconds)

    def _read(self):
        try:
            self.stream.initial_metadata()
            self._headers.set()
            for event in self.stream:
                self._events.put(event)
        except grpc.RpcError as error:
            self._events.put(error)

    def next_tweet(self):
        """The next tweet event (heartbeats skipped); fails the test after
        wait_seconds, and raises the stream's error if it ended with one."""
        while True:
            try:
                event = self._events.get(timeout=self.wait_seconds)
            except queue.Empty:
                pytest.fail(f"no tweet on the WatchTimeline stream within {self.wait_seconds} s")
            if isinstance(event, grpc.RpcError):
                raise event
            if event.WhichOneof("event") == "tweet":
                return event

    def pending(self, seconds):
        """The tweet events that arrive within `seconds` (for checking that
        nothing more comes)."""
        found = []
        try:
            while True:
                event = self._events.get(timeout=seconds)
                if isinstance(event, grpc.RpcError):
                    raise event
                if event.WhichOneof("event") == "tweet":
                    found.append(event)
        except queue.Empty:
            return found

    def close(self):
        self.stream.cancel()
        self._reader.join(self.wait_seconds)


@pytest.fixture
def watch(stub):
    """A factory: watch(auth, resume_cursor="") opens a WatchTimeline
    stream; every stream opened is cancelled at the end of the test."""
    opened = []

    def make(auth, resume_cursor=""):
        opened.append(Watch(stub, auth, resume_cursor))
        return opened[-1]
    yield make
    for w in opened:
        w.close()
