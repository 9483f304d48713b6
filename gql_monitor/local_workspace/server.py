"""Running the stand-in: in a background thread (tests, `gql-monitor demo`) or in the foreground (CLI)."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import uvicorn

from gql_monitor.http.listening_socket import listening_socket
from gql_monitor.local_workspace.app import build_app
from gql_monitor.local_workspace.faults import Faults
from gql_monitor.local_workspace.state import WorkspaceState, open_database
from gql_monitor.local_workspace.warehouse import WAREHOUSE_ID

WAREHOUSE_HTTP_PATH = f"/sql/1.0/warehouses/{WAREHOUSE_ID}"


class LocalWorkspace:
    """A running stand-in. Use as a context manager, or call start()/stop()."""

    def __init__(
        self,
        *,
        db_path: str | None = None,
        scale: str = "small",
        seed: int = 7,
        port: int = 0,
        host: str = "127.0.0.1",
        faults: Faults | None = None,
        now: datetime | None = None,
        profile_statements: bool = False,
    ) -> None:
        self._sock = listening_socket(host, port)
        self.host, self.port = self._sock.getsockname()[:2]
        con = open_database(db_path, scale=scale, seed=seed, now=now)
        self.state = WorkspaceState(db=con, faults=faults or Faults(), profile_statements=profile_statements)
        self.state.base_url = self.base_url
        self.app = build_app(self.state)
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def now(self) -> datetime:
        """The workspace's "now": the instant its data was generated as of, and what its SQL clock reads."""
        return self.state.now

    @property
    def warehouse_http_path(self) -> str:
        return WAREHOUSE_HTTP_PATH

    @property
    def faults(self) -> Faults:
        return self.state.faults

    def start(self) -> "LocalWorkspace":
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the local workspace did not start")
            time.sleep(0.02)
        return self

    def serve_forever(self) -> None:
        self._server.run(sockets=[self._sock])

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._sock.close()
        self.state.close()

    def __enter__(self) -> "LocalWorkspace":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
