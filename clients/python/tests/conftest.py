"""conftest.py: shared fixtures of the Python client tests: the live server's
address, a stub for it, and fresh signed-in users.

ctest (clients/python/CMakeLists.txt) sets MINITER_TEST_SERVER_ADDRESS_FILE
and puts the generated stubs on PYTHONPATH. Without a server the tests fail
rather than skip: a suite that quietly runs nothing proves nothing.
"""

import os
import secrets

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
