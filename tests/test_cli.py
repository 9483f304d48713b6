"""The `gql-monitor` command, run as users run it: `python -m gql_monitor ...` in a subprocess, with a bounded wait
and the process always ended (by its own pid) when a test finishes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest
from databricks import sql as dbsql

ROOT = Path(__file__).resolve().parent.parent
# A command that has not answered by then is hung, not slow.
COMMAND_TIMEOUT = 120
# Ctrl-C / SIGTERM must stop a command within "a few seconds" (Databricks Apps kill it 15 s after SIGTERM).
STOPS_WITHIN = 10.0
# `gql-monitor` as usual, and run through tests/cli_probe.py, which reports what it imported (and can make modules
# behave as not installed).
CLI = ("-m", "gql_monitor")
PROBE = (str(ROOT / "tests" / "cli_probe.py"),)
# The stand-in, and what only it needs (the `demo` extra): a Databricks App installs neither, so `serve` never loads
# them. (numpy is in the extra too, but the SQL connector loads it as well: see test_serve_never_loads_the_stand_in.)
STAND_IN_MODULES = ("gql_monitor.local_workspace", "duckdb", "sqlglot")


def _clean_env(**values: str) -> dict[str, str]:
    """This environment without any Databricks or monitor configuration, plus `values`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "GQL_MONITOR_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def _run(*args: str, env: dict[str, str] | None = None, timeout: float = COMMAND_TIMEOUT, program=CLI):
    return subprocess.run(
        [sys.executable, *program, *args], env=env or _clean_env(), capture_output=True, text=True,
        timeout=timeout, cwd=ROOT,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Started:
    """A command running in the background, its output collected line by line as it comes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, program=CLI) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, *program, *args], env=env or _clean_env(), cwd=ROOT, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_for_line(self, pattern: str, timeout: float = COMMAND_TIMEOUT, stderr: bool = False) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.stderr if stderr else self.stdout):
                match = re.search(pattern, line)
                if match:
                    return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r}; stdout={self.stdout} stderr={self.stderr[-20:]}")

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, float]:
        """Sends `sig` and waits; (exit status, seconds it took)."""
        sent = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=STOPS_WITHIN + 20)
        finally:
            self.close()
        return code, time.monotonic() - sent

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        for reader in self._readers:
            reader.join(timeout=5)

    def __enter__(self) -> "Started":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _wait_healthy(url: str, started: Started, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.get(url, timeout=5)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        if started.proc.poll() is not None:
            raise AssertionError(f"exited with {started.proc.returncode}: {started.stderr[-20:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not healthy within {timeout}s; stderr={started.stderr[-20:]}")
        time.sleep(0.05)


def _assert_one_line_error(result, *names: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("gql-monitor: "), lines[0]
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


# -- serve ---------------------------------------------------------------------------------------------------------


def test_serve_without_configuration_names_what_is_missing():
    result = _run("serve")
    assert result.returncode == 2
    _assert_one_line_error(result, "DATABRICKS_HOST", "DATABRICKS_WAREHOUSE_ID", "DATABRICKS_TOKEN",
                           "DATABRICKS_CLIENT_ID")


CONFIGURED = {"DATABRICKS_HOST": "https://example.cloud.databricks.com", "DATABRICKS_WAREHOUSE_ID": "abc123",
              "DATABRICKS_TOKEN": "dapi-not-used"}


@pytest.mark.parametrize(
    "name, value",
    [
        ("DATABRICKS_APP_PORT", "eighty"),
        ("DATABRICKS_APP_PORT", "99999"),
        ("GQL_MONITOR_DATA_ACCESS", "everyone"),
        ("GQL_MONITOR_STATEMENT_TIMEOUT_SECONDS", "soon"),
        ("DATABRICKS_HOST", "ftp://example.com"),
    ],
)
def test_serve_with_a_bad_value_names_it(name, value):
    result = _run("serve", env=_clean_env(**{**CONFIGURED, name: value}))
    assert result.returncode == 2
    _assert_one_line_error(result, name.removeprefix("GQL_MONITOR_"))


def test_serve_with_half_of_the_client_credentials_names_the_other_half():
    env = _clean_env(DATABRICKS_HOST="https://example.cloud.databricks.com", DATABRICKS_WAREHOUSE_ID="abc123",
                     DATABRICKS_CLIENT_ID="an-sp")
    _assert_one_line_error(_run("serve", env=env), "DATABRICKS_CLIENT_SECRET")


def test_serve_on_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", "--port", str(port), env=_clean_env(**CONFIGURED))
    _assert_one_line_error(result, f"127.0.0.1:{port}")


def test_serve_with_an_unreachable_workspace_fails_without_a_traceback():
    env = _clean_env(DATABRICKS_HOST=f"http://127.0.0.1:{_free_port()}", DATABRICKS_WAREHOUSE_ID="abc123",
                     DATABRICKS_CLIENT_ID="an-sp", DATABRICKS_CLIENT_SECRET="s",
                     GQL_MONITOR_JOBS_API_RETRY_SECONDS="1")
    result = _run("serve", "--port", "0", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    # The SDK logs a warning of its own first; the last line is ours.
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("gql-monitor: serve: ") and "DATABRICKS_HOST" in last
    assert "Config:" not in last


def test_serve_inside_an_app_listens_on_all_interfaces_and_stops_on_sigterm(workspace):
    port = _free_port()
    env = _clean_env(
        DATABRICKS_APP_NAME="gql-monitor", DATABRICKS_APP_PORT=str(port), DATABRICKS_HOST=workspace.base_url,
        DATABRICKS_WAREHOUSE_ID="local", DATABRICKS_CLIENT_ID="local-sp", DATABRICKS_CLIENT_SECRET="local-sp-secret",
    )
    with Started("serve", env=env) as serve:
        serve.wait_for_line(rf"serving on http://0\.0\.0\.0:{port} \(service-principal data access\)")
        health = _wait_healthy(f"http://127.0.0.1:{port}/api/health", serve, COMMAND_TIMEOUT).json()
        assert health["status"] == "ok"
        code, took = serve.stop(signal.SIGTERM)
    # uvicorn shuts down, then re-raises the signal it caught: the process ends "killed by SIGTERM", as Apps expect.
    assert code in (0, -signal.SIGTERM), serve.stderr[-20:]
    assert took < STOPS_WITHIN, f"took {took:.1f}s to stop"
    assert not any("Traceback" in line for line in serve.stderr)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended while the list was read
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_serve_with_workers_runs_that_many_processes_that_all_answer_and_stop_together(workspace):
    port = _free_port()
    env = _clean_env(
        DATABRICKS_APP_PORT=str(port), DATABRICKS_HOST=workspace.base_url, DATABRICKS_WAREHOUSE_ID="local",
        DATABRICKS_CLIENT_ID="local-sp", DATABRICKS_CLIENT_SECRET="local-sp-secret", GQL_MONITOR_WORKERS="2",
    )
    with Started("serve", env=env) as serve:
        serve.wait_for_line(r"serving on http://127\.0\.0\.1:\d+ \(service-principal data access, 2 workers\)")
        _wait_healthy(f"http://127.0.0.1:{port}/api/health", serve, COMMAND_TIMEOUT)
        workers = [pid for pid in _children(serve.proc.pid) if _is_worker(pid)]
        # Each worker answers, with its own caches: as many requests as it takes for both to have served one.
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer local-admin"},
                          timeout=60) as client:
            names = {client.post("/api/graphql", json={"query": "{ viewer { userName } }"}).json()["data"]["viewer"]
                     ["userName"] for _ in range(8)}
        code, took = serve.stop(signal.SIGTERM)
    assert len(workers) == 2, (workers, serve.stderr[-20:])
    assert names == {"admin@example.com"}
    started = {line for line in serve.stderr if "Started server process" in line}
    assert len(started) == 2, serve.stderr[-20:]
    assert code in (0, -signal.SIGTERM) and took < STOPS_WITHIN, (code, took)
    assert not any(_is_worker(pid) for pid in workers), "a worker outlived serve"
    assert not any("Traceback" in line for line in serve.stderr), serve.stderr[-30:]


def test_serve_never_lets_a_tokenless_loopback_caller_in(workspace):
    """Only `demo` treats a browser on loopback as the stand-in admin; `serve` wants a token from everyone."""
    port = _free_port()
    env = _clean_env(
        DATABRICKS_APP_PORT=str(port), DATABRICKS_HOST=workspace.base_url, DATABRICKS_WAREHOUSE_ID="local",
        DATABRICKS_CLIENT_ID="local-sp", DATABRICKS_CLIENT_SECRET="local-sp-secret",
    )
    with Started("serve", env=env) as serve:
        _wait_healthy(f"http://127.0.0.1:{port}/api/health", serve, COMMAND_TIMEOUT)
        anonymous = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": "{ viewer { userName } }"})
        with_token = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": "{ viewer { userName } }"},
                                headers={"Authorization": "Bearer local-analyst"})
        serve.stop(signal.SIGTERM)
    assert anonymous.status_code == 401
    assert with_token.json()["data"]["viewer"]["userName"] == "analyst@example.com"


def _probe_env(**values: str) -> dict[str, str]:
    # The probe is a script in tests/, so this checkout goes on the path as `-m gql_monitor` would put it (cwd).
    env = _clean_env(**values)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _modules_loaded_now(started: Started, modules_file: Path) -> set[str]:
    """What the probed process has imported so far (it writes the list on SIGUSR1)."""
    modules_file.unlink(missing_ok=True)
    started.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + COMMAND_TIMEOUT
    while not modules_file.exists():
        assert started.proc.poll() is None and time.monotonic() < deadline, started.stderr[-20:]
        time.sleep(0.05)
    return set(json.loads(modules_file.read_text()))


def _stand_in_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == name or m.startswith(name + ".") for name in STAND_IN_MODULES)}


def test_serve_never_loads_the_stand_in(workspace, tmp_path):
    """A Databricks App installs the runtime dependencies only: `serve` starts, and answers through the real
    connector and SDK, without importing the stand-in or anything of the `demo` extra."""
    port = _free_port()
    modules_file = tmp_path / "modules.json"
    env = _probe_env(
        DATABRICKS_APP_PORT=str(port), DATABRICKS_HOST=workspace.base_url, DATABRICKS_WAREHOUSE_ID="local",
        DATABRICKS_CLIENT_ID="local-sp", DATABRICKS_CLIENT_SECRET="local-sp-secret",
    )
    with Started(str(modules_file), "serve", env=env, program=PROBE) as serve:
        serve.wait_for_line("Application startup complete", stderr=True)
        started = _modules_loaded_now(serve, modules_file)
        _wait_healthy(f"http://127.0.0.1:{port}/api/health", serve, COMMAND_TIMEOUT)
        query = "{ jobs(first: 3) { nodes { id lastRun { resultState live { stateMessage } } } } }"
        answer = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": query}, timeout=60,
                            headers={"Authorization": "Bearer local-admin"}).json()
        answered = _modules_loaded_now(serve, modules_file)
        serve.stop(signal.SIGTERM)
    assert "errors" not in answer and len(answer["data"]["jobs"]["nodes"]) == 3, answer
    # The probe sees what the process loaded: the app once started, the SQL connector's client once it answered.
    assert "gql_monitor.http.app" in started and "databricks.sql.client" in answered
    assert not _stand_in_modules(started), sorted(_stand_in_modules(started))
    assert not _stand_in_modules(answered), sorted(_stand_in_modules(answered))
    # numpy is not asserted here: the first statement (the health refresh the app starts with) loads the connector's
    # client module, which imports pandas (a dependency of databricks-sql-connector), which imports numpy. Not the
    # monitor's to avoid; what it decides is that nothing of the stand-in is installed in the App or loaded by `serve`.


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"], ["export-schema"]])
def test_commands_that_do_not_run_the_stand_in_do_not_load_it(args, tmp_path):
    modules_file = tmp_path / "modules.json"
    result = _run(str(modules_file), *args, env=_probe_env(), program=PROBE)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(modules_file.read_text()))
    assert "gql_monitor.cli" in loaded
    assert not _stand_in_modules(loaded) and "numpy" not in loaded, sorted(_stand_in_modules(loaded) | {"numpy"} & loaded)


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        (["demo", "--port", "0"], "duckdb"),
        (["demo", "--port", "0"], "sqlglot"),
        (["demo", "--port", "0"], "numpy"),
        (["local-workspace", "--port", "0"], "duckdb"),
    ],
)
def test_the_stand_in_without_the_demo_extra_says_how_to_install_it(args, missing, tmp_path):
    env = _probe_env(GQL_MONITOR_PROBE_BLOCK=missing)
    result = _run(str(tmp_path / "modules.json"), *args, env=env, program=PROBE)
    line = _assert_one_line_error(result, missing, "python -m pip install -e '.[demo]'")
    assert result.returncode == 1, line
    assert "workspace (seed" not in result.stdout and "local workspace on" not in result.stdout


def test_demo_help_needs_no_demo_extra(tmp_path):
    env = _probe_env(GQL_MONITOR_PROBE_BLOCK="duckdb,sqlglot,numpy")
    result = _run(str(tmp_path / "modules.json"), "demo", "--help", env=env, program=PROBE)
    assert result.returncode == 0, result.stderr
    assert "small" in result.stdout and "large" in result.stdout


def test_readmes_first_command_installs_what_the_demo_needs():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    first = next(line for line in block.splitlines() if line.strip() and not line.startswith("#"))
    assert first.startswith("python -m pip install -e '.[demo]'") and "gql-monitor demo" in first, first


# -- local-workspace -----------------------------------------------------------------------------------------------


def test_local_workspace_on_a_port_in_use_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("local-workspace", "--port", str(port))
    assert result.returncode == 1
    _assert_one_line_error(result, f"127.0.0.1:{port}", "in use")


def _unreadable(tmp_path: Path) -> Path:
    if os.geteuid() == 0:
        pytest.skip("root reads files whatever their mode")
    path = tmp_path / "unreadable.duckdb"
    duckdb.connect(str(path)).close()
    path.chmod(0)
    return path


def _not_duckdb(tmp_path: Path) -> Path:
    path = tmp_path / "notes.duckdb"
    path.write_text("these are notes, not a database\n")
    return path


def _missing_directory(tmp_path: Path) -> Path:
    return tmp_path / "no-such-directory" / "ws.duckdb"


def _under_a_file(tmp_path: Path) -> Path:
    return _not_duckdb(tmp_path) / "ws.duckdb"


@pytest.mark.parametrize(
    "make_path", [_unreadable, lambda tmp: tmp, _not_duckdb, _missing_directory, _under_a_file],
    ids=["unreadable", "a-directory", "not-duckdb", "missing-directory", "under-a-file"],
)
def test_local_workspace_with_an_unusable_db_is_one_line(tmp_path, make_path):
    path = make_path(tmp_path)
    result = _run("local-workspace", "--port", "0", "--db", str(path))
    assert result.returncode == 1
    _assert_one_line_error(result, str(path))


@pytest.mark.parametrize(
    "args",
    [
        ["local-workspace", "--port", "99999"],
        ["local-workspace", "--jobs-api-429-rate", "2"],
        ["local-workspace", "--jobs-api-500-rate", "-0.1"],
        ["local-workspace", "--warehouse-cold-start-seconds", "nan"],
        ["local-workspace", "--statement-latency-ms", "-5"],
        ["local-workspace", "--scale", "huge"],
        ["demo", "--port", "http"],
        ["demo", "--seed", "-1"],
        ["demo", "--now", "yesterday"],
        ["demo", "--now", "2026-02-30T00:00:00Z"],
        ["demo", "--job-visibility", "some"],
        ["demo", "--as", "local-root"],
        ["local-workspace", "--now", "1700000000"],
        ["local-workspace", "--now", ""],
        ["local-workspace", "--session-time-zone", "Mars/Olympus_Mons"],
        ["serve", "--port", "65536"],
    ],
)
def test_bad_flag_values_are_argparse_errors(args):
    result = _run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(r"error: argument --[a-z0-9-]+: ", result.stderr), result.stderr


def _workspace_now(line_match: re.Match) -> datetime:
    return datetime.fromisoformat(line_match.group(1))


def test_local_workspace_db_is_generated_once_then_reused(tmp_path):
    db = tmp_path / "ws.duckdb"
    data_line = r"data +scale small, seed 3, now (\S+), in "

    asked_now = datetime.fromisoformat("2026-03-04T05:06:07+00:00")
    with Started("local-workspace", "--port", "0", "--seed", "3", "--now", "2026-03-04T05:06:07Z", "--db",
                 str(db)) as first:
        url = first.wait_for_line(r"local workspace on (http://\S+)").group(1)
        generated_now = _workspace_now(first.wait_for_line(data_line))
        assert httpx.get(f"{url}/api/2.2/jobs/list", headers={"Authorization": "Bearer local-admin"}).status_code == 200
        # The warehouse's SQL clock reads the workspace's now.
        path = "/sql/1.0/warehouses/local"
        with dbsql.connect(server_hostname="127.0.0.1", http_path=path, _connection_uri=url + path,
                           access_token="local-admin", enable_telemetry=False) as conn, conn.cursor() as cur:
            cur.execute("SELECT current_timestamp() AS ts")
            sql_now = cur.fetchone().ts
        code, took = first.stop()
    assert generated_now == asked_now == sql_now
    assert code in (0, 130) and took < STOPS_WITHIN
    meta = dict(duckdb.connect(str(db), read_only=True).execute("SELECT key, value FROM workspace_state.meta")
                .fetchall())

    # Started again, and asked for another seed: the file's workspace is served as it was, and the CLI says so.
    with Started("local-workspace", "--port", "0", "--seed", "4", "--now", "2026-05-01", "--db", str(db)) as second:
        second.wait_for_line(r"local workspace on http://")
        reused_now = _workspace_now(second.wait_for_line(r"data +scale small, seed 3, now (\S+), in "))
        second.stop()
    assert reused_now == generated_now
    assert meta["seed"] == "3" and int(meta["now_ms"]) // 1000 == int(generated_now.timestamp())
    assert any("--seed and --now apply only when generating" in line for line in second.stderr), second.stderr
    after = dict(duckdb.connect(str(db), read_only=True).execute("SELECT key, value FROM workspace_state.meta")
                 .fetchall())
    assert after == meta


# -- export-schema -------------------------------------------------------------------------------------------------


def test_export_schema_prints_the_committed_schema():
    result = _run("export-schema")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema.graphql").read_text()


# -- demo ----------------------------------------------------------------------------------------------------------


def test_demo_is_healthy_on_the_small_workspace_and_stops_on_ctrl_c():
    port = _free_port()
    with Started("demo", "--port", str(port)) as demo:
        health = _wait_healthy(f"http://127.0.0.1:{port}/api/health", demo, COMMAND_TIMEOUT)
        # What keeps the demo quick (healthy within 15 s: timed by bench/demo.py, never here): it generates the
        # small workspace unless asked for more.
        assert any(line.startswith("gql-monitor demo: small workspace") for line in demo.stdout), demo.stdout

        body = health.json()
        assert body["status"] == "ok"
        assert body["sources"] == {"warehouse": {"ok": True}, "jobsApi": {"ok": True}}
        for name in ("checkedAt", "latestRunPeriodEndTime", "latestUsageEndTime"):
            assert datetime.fromisoformat(body["freshness"][name]).tzinfo is not None, name

        out = "\n".join(demo.stdout)
        for path in ("/", "/api/graphql", "/api/health"):
            assert f"http://127.0.0.1:{port}{path}" in out
        assert "local-admin" in out and "local-analyst" in out

        # A token the demo printed works as printed.
        answer = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": "{ viewer { userName } }"},
                            headers={"Authorization": "Bearer local-analyst"}, timeout=60).json()
        assert answer["data"]["viewer"]["userName"] == "analyst@example.com"

        code, took = demo.stop(signal.SIGINT)
    # 130 is the shell's "ended by Ctrl-C"; a negative code would mean it died of a signal (e.g. SIGABRT).
    assert code == 130, (code, demo.stderr[-20:])
    assert took < STOPS_WITHIN, f"took {took:.1f}s to stop"
    assert not any("Traceback" in line or "FATAL" in line for line in demo.stderr), demo.stderr[-20:]
    # The stand-in's own request log stays out of the demo's output.
    assert not any("/sql/1.0/warehouses/" in line or "/oidc/" in line for line in demo.stdout + demo.stderr)


def test_demo_now_pins_the_data_and_the_monitors_clock():
    port = _free_port()
    now = "2026-06-01T08:30:00Z"
    pinned = datetime.fromisoformat("2026-06-01T08:30:00+00:00")
    with Started("demo", "--port", str(port), "--seed", "3", "--now", now) as demo:
        health = _wait_healthy(f"http://127.0.0.1:{port}/api/health", demo, COMMAND_TIMEOUT).json()
        answer = httpx.post(f"http://127.0.0.1:{port}/api/graphql", timeout=60,
                            json={"query": "{ dataFreshness { checkedAt latestUsageEndTime } }"},
                            headers={"Authorization": "Bearer local-admin"}).json()
        demo.stop(signal.SIGINT)
    assert any("seed 3, now 2026-06-01T08:30:00+00:00" in line for line in demo.stdout), demo.stdout
    assert datetime.fromisoformat(health["freshness"]["checkedAt"]) == pinned
    freshness = answer["data"]["dataFreshness"]
    assert datetime.fromisoformat(freshness["checkedAt"]) == pinned
    # The data was generated as of the pinned instant: its newest usage hour is just behind it, whatever today is.
    latest = datetime.fromisoformat(freshness["latestUsageEndTime"])
    assert pinned - timedelta(days=1) < latest <= pinned


def test_demo_on_a_port_in_use_fails_before_generating():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("demo", "--port", str(port))
    assert result.returncode == 1
    assert "workspace (seed" not in result.stdout
    _assert_one_line_error(result, f"127.0.0.1:{port}")


def test_serve_logs_one_json_line_per_request_with_its_id_and_never_a_token(workspace):
    port = _free_port()
    env = _clean_env(
        DATABRICKS_APP_PORT=str(port), DATABRICKS_HOST=workspace.base_url, DATABRICKS_WAREHOUSE_ID="local",
        DATABRICKS_CLIENT_ID="local-sp", DATABRICKS_CLIENT_SECRET="local-sp-secret",
    )
    query = "query Busiest { jobs(first: 3, orderBy: COST) { nodes { name } } }"
    with Started("serve", env=env) as serve:
        _wait_healthy(f"http://127.0.0.1:{port}/api/health", serve, COMMAND_TIMEOUT)
        answer = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": query},
                            headers={"Authorization": "Bearer local-analyst", "X-Request-Id": "dashboard-42"})
        hostile = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": "{ viewer { userName } }"},
                             headers={"Authorization": "Bearer local-analyst", "X-Request-Id": "x" * 65})
        refused = httpx.post(f"http://127.0.0.1:{port}/api/graphql", json={"query": "{ viewer { userName } }"},
                             headers={"Authorization": "Bearer not-a-token"})
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while sum('"request_id"' in line for line in serve.stderr) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        serve.stop(signal.SIGTERM)
    assert answer.headers["x-request-id"] == "dashboard-42"
    generated = hostile.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    lines = [json.loads(line) for line in serve.stderr if line.startswith("{")]
    assert lines, serve.stderr[-20:]
    by_id = {line.get("request_id"): line for line in lines if line.get("logger") == "gql_monitor.request"}
    first = by_id["dashboard-42"]
    cost = answer.json()["extensions"]["cost"]
    assert first["operation"] == "Busiest" and first["status"] == 200 and first["path"] == "/api/graphql"
    assert (first["statements"], first["cache_hits"]) == (cost["warehouseStatements"], cost["cacheHits"])
    assert first["caller"] == hashlib.sha256(b"analyst@example.com").hexdigest()[:12]
    assert isinstance(first["duration_ms"], float)
    assert 0 < first["source_ms"] <= first["duration_ms"]
    assert first["app_ms"] == round(first["duration_ms"] - first["source_ms"], 1)
    assert by_id[generated]["status"] == 200
    assert by_id[refused.headers["x-request-id"]]["status"] == 401
    everything = "\n".join(serve.stderr + serve.stdout)
    assert "local-analyst" not in everything and "not-a-token" not in everything and "local-sp-secret" not in everything
    assert "analyst@example.com" not in everything
