"""Several replicas share answers through Redis: what one replica fetched, another serves without a statement."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from conftest import RunningMonitor, gql, monitor_settings
from shifted_clock import real_clock_env

QUERY = "{ jobs(first: 3) { totalCount nodes { name } } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/test installs it when run as root)")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(workdir)], stdout=subprocess.DEVNULL,
                               env=real_clock_env())
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    """The shared server, emptied: what one test cached must not turn another's cold answer warm."""
    import redis

    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    return redis_server


def test_a_second_replica_serves_the_first_replicas_answer(workspace, redis_url):
    settings = monitor_settings(workspace, redis_url=redis_url)
    with RunningMonitor(settings) as first, first.client() as client:
        cold = gql(client, QUERY)
    with RunningMonitor(settings) as second, second.client() as client:
        warm = gql(client, QUERY)
    assert cold["extensions"]["cost"]["warehouseStatements"] == 1
    assert warm["extensions"]["cost"]["warehouseStatements"] == 0
    assert warm["extensions"]["cost"]["oldestAnswerFetchedAt"] is not None
    assert warm["data"] == cold["data"]


def test_replicas_keep_users_apart_in_redis(workspace, redis_url):
    settings = monitor_settings(workspace, redis_url=redis_url)
    with RunningMonitor(settings) as first, first.client(token="local-admin") as client:
        gql(client, QUERY)
    with RunningMonitor(settings) as second, second.client(token="local-analyst") as client:
        body = client.post("/api/graphql", json={"query": QUERY}).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
