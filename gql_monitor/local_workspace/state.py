"""The stand-in's shared state: the DuckDB database, who is calling, the fault settings and a statement log."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import duckdb

from gql_monitor.local_workspace.faults import Faults
from gql_monitor.local_workspace.identities import TokenRegistry

DDL = resources.files("gql_monitor.local_workspace").joinpath("ddl.sql").read_text()


class WorkspaceDataError(Exception):
    """The database file cannot be used as a stand-in workspace (unreadable, not DuckDB, or not generated)."""


@dataclass(frozen=True)
class StatementProfile:
    """What one statement cost the stand-in's DuckDB, recorded only while `WorkspaceState.profile_statements` is on."""

    # time.perf_counter() when DuckDB started on the statement, so a benchmark can lay statements that ran in
    # parallel on one timeline and count only the time some statement was running.
    started: float
    # Wall time of DuckDB's execution and of handing the result over as Arrow (not the Thrift encoding after it).
    duckdb_ms: float
    # DuckDB's profiler's total_rows_scanned over every table scan of the statement (after the filters it pushed into
    # the scans skipped row groups); None when DuckDB gave no profile, as for a bare count(*) it answers from its
    # statistics without a scan.
    rows_scanned: int | None
    # Rows of the answer, which the stand-in encodes and the client decodes: the share of the work that is not DuckDB's.
    rows_returned: int


@dataclass
class LoggedStatement:
    user_name: str
    statement: str
    parameters: dict
    # Set once the statement ran, when profiling was on; None otherwise (and for a statement that failed).
    profile: StatementProfile | None = None


@dataclass
class WorkspaceState:
    db: duckdb.DuckDBPyConnection
    faults: Faults = field(default_factory=Faults)
    tokens: TokenRegistry = field(default_factory=TokenRegistry)
    base_url: str = ""
    statements: collections.deque = field(default_factory=lambda: collections.deque(maxlen=10_000))
    # What clients sent besides statements, so tests can check it reached the wire: (user name, "OpenSession" or
    # "ExecuteStatement", the session configuration or the statement's confOverlay, where query tags travel).
    client_settings: collections.deque = field(default_factory=lambda: collections.deque(maxlen=10_000))
    # Profile each warehouse statement (StatementProfile on its LoggedStatement): off by default, since DuckDB's
    # profiler costs time on every statement and only benchmarks read it.
    profile_statements: bool = False
    _meta: dict[str, str] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    _cursors: list = field(default_factory=list)
    _cursors_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._meta = dict(self.db.execute("SELECT key, value FROM workspace_state.meta").fetchall())

    def cursor(self, purpose: str = "api") -> duckdb.DuckDBPyConnection:
        """A DuckDB cursor for the calling thread and purpose.

        DuckDB connections must not be shared across threads; and the server's worker threads serve both the Jobs API
        and the warehouse, so each gets its own cursor: a Jobs API `fetchone()` leaves a result pending that would
        block the warehouse's next statement on a shared cursor.
        """
        cursors = getattr(self._local, "cursors", None)
        if cursors is None:
            cursors = self._local.cursors = {}
        cur = cursors.get(purpose)
        if cur is None:
            cur = self.db.cursor()
            cur.execute("SET TimeZone = 'UTC'")
            cursors[purpose] = cur
            with self._cursors_lock:
                self._cursors.append(cur)
        return cur

    def close(self) -> None:
        """Close every thread's cursor, then the database.

        Server worker threads are daemons that would otherwise drop their cursors while the interpreter finalizes,
        and a thread killed inside DuckDB's destructor aborts the whole process. Call after the server stopped.
        """
        with self._cursors_lock:
            cursors, self._cursors = self._cursors, []
        for cur in cursors:
            try:
                cur.close()
            except Exception:  # a cursor of a thread that already ended
                pass
        self.db.close()

    @property
    def meta(self) -> dict[str, str]:
        return self._meta

    @property
    def home_workspace_id(self) -> str:
        return self._meta["home_workspace_id"]

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(int(self._meta["now_ms"]) / 1000, tz=timezone.utc)

    def log_statement(self, user_name: str, statement: str, parameters: dict) -> LoggedStatement:
        logged = LoggedStatement(user_name, statement, parameters)
        self.statements.append(logged)
        return logged


def open_database(db_path: str | None, *, scale: str, seed: int, now: datetime | None = None) -> duckdb.DuckDBPyConnection:
    """Open (and, when empty, generate) the workspace database. `None` means an in-memory database."""
    from gql_monitor.local_workspace import generator

    if db_path is not None:
        path = Path(db_path)
        if path.exists() and not path.is_file():
            raise WorkspaceDataError(f"--db {db_path}: not a file")
    try:
        con = duckdb.connect(db_path or ":memory:")
    except (duckdb.Error, OSError) as exc:
        raise WorkspaceDataError(f"--db {db_path}: cannot open as a DuckDB database ({exc})") from exc
    con.execute("SET TimeZone = 'UTC'")
    generated = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'workspace_state' AND table_name = 'meta'"
    ).fetchone()[0]
    if generated and con.execute("SELECT count(*) FROM workspace_state.meta").fetchone()[0]:
        # Tables added to the stand-in since the file was generated are created, empty.
        con.execute(DDL)
        return con
    con.execute(DDL)
    generator.generate(con, scale=scale, seed=seed, now=now or datetime.now(timezone.utc))
    return con
