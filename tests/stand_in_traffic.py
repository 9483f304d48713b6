"""What a stand-in received over HTTP, counted by the stand-in's side of the wire, so tests see what reached it and
whether calls overlapped without timing anything.

`count_traffic(ws)` (before the workspace starts) wraps its app in a pure ASGI middleware: per request path, the
calls, the responses per status, the requests in flight and the most in flight at once. `hold` keeps a path's
requests waiting until a number of them are in flight together, so "these ran concurrently" is a fact the test
arranges instead of a race it hopes to win.
"""

from __future__ import annotations

import collections
import threading

from starlette.concurrency import run_in_threadpool

from gql_monitor.local_workspace.server import LocalWorkspace

HOLD_LIMIT_SECONDS = 20


class Traffic:
    """What the stand-in received, per request path."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self.calls: collections.Counter[str] = collections.Counter()
        self.statuses: collections.Counter[tuple[str, int]] = collections.Counter()
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.peak: collections.Counter[str] = collections.Counter()
        self._holds: dict[str, int] = {}

    def enter(self, path: str) -> None:
        with self._lock:
            self.calls[path] += 1
            self.in_flight[path] += 1
            self.peak[path] = max(self.peak[path], self.in_flight[path])
            self._lock.notify_all()

    def leave(self, path: str, status: int | None) -> None:
        with self._lock:
            self.in_flight[path] -= 1
            if status is not None:
                self.statuses[(path, status)] += 1

    def hold(self, path: str, until_in_flight: int) -> None:
        """Requests to `path` wait until `until_in_flight` of them are in flight together; then the hold is gone."""
        with self._lock:
            self._holds[path] = until_in_flight

    def is_held(self, path: str) -> bool:
        return path in self._holds

    def wait_if_held(self, path: str) -> None:
        with self._lock:
            wanted = self._holds.get(path)
            if wanted is None:
                return
            # Past the limit the hold is given up rather than hang the test, which then fails on its counts.
            self._lock.wait_for(lambda: self.in_flight[path] >= wanted, timeout=HOLD_LIMIT_SECONDS)
            self._holds.pop(path, None)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.statuses.clear()
            self.peak.clear()
            self._holds.clear()


class _Counting:
    """Pure ASGI middleware: a request is in flight from its arrival until its response is sent."""

    def __init__(self, app, traffic: Traffic) -> None:
        self.app = app
        self.traffic = traffic

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        status = None

        async def noting_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.traffic.enter(path)
        try:
            if self.traffic.is_held(path):
                await run_in_threadpool(self.traffic.wait_if_held, path)
            await self.app(scope, receive, noting_send)
        finally:
            self.traffic.leave(path, status)


def count_traffic(ws: LocalWorkspace) -> Traffic:
    """Counts `ws`'s requests from now on; call before the workspace starts serving."""
    traffic = Traffic()
    ws.app.add_middleware(_Counting, traffic=traffic)
    ws.traffic = traffic
    return traffic
