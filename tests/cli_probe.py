"""Runs `gql-monitor` (its real `main`) the way a bare machine would, and reports what it imported.

    python tests/cli_probe.py MODULES_FILE [ARGS...]

`GQL_MONITOR_PROBE_BLOCK` (comma-separated top-level modules or packages, e.g. `duckdb,sqlglot`) makes those
modules behave as not installed: importing them raises ModuleNotFoundError, as on a machine without the `demo`
extra. The names in `sys.modules` are written to MODULES_FILE (JSON) on SIGUSR1 and again at exit, each time
replacing the file in one step, so a reader never sees half of it.
"""

from __future__ import annotations

import atexit
import importlib.abc
import json
import os
import signal
import sys


class _NotInstalled(importlib.abc.MetaPathFinder):
    def __init__(self, names: set[str]) -> None:
        self._names = names

    def find_spec(self, fullname, path=None, target=None):
        if any(fullname == name or fullname.startswith(name + ".") for name in self._names):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def _dump(path: str) -> None:
    partial = path + ".partial"
    with open(partial, "w") as out:
        json.dump(sorted(sys.modules), out)
    os.replace(partial, path)


def main() -> int:
    modules_file, args = sys.argv[1], sys.argv[2:]
    blocked = {name for name in os.environ.get("GQL_MONITOR_PROBE_BLOCK", "").split(",") if name}
    if blocked:
        sys.meta_path.insert(0, _NotInstalled(blocked))
    signal.signal(signal.SIGUSR1, lambda *_: _dump(modules_file))
    atexit.register(_dump, modules_file)
    from gql_monitor.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
