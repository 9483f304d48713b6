"""The committed build in gql_monitor/static must be what `npm run build` makes of web/ now, so that installing
the app (which needs no Node.js) serves the UI that the sources describe."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
STATIC = ROOT / "gql_monitor" / "static"
REBUILD = "web/ changed since gql_monitor/static was built: run `npm ci && npm run build` in web/ and commit the result"


def source_files() -> list[str]:
    """The same walk as web/build.mjs: every file but node_modules and dot-files, as sorted POSIX paths."""
    found = []
    for directory, dirs, files in os.walk(WEB):
        dirs[:] = [d for d in dirs if d != "node_modules" and not d.startswith(".")]
        for name in files:
            if not name.startswith("."):
                found.append(Path(directory, name).relative_to(WEB).as_posix())
    return sorted(found)


def source_hash() -> str:
    digest = hashlib.sha256()
    for rel in source_files():
        digest.update(f"{rel}\0{hashlib.sha256((WEB / rel).read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def build_info() -> dict:
    return json.loads((STATIC / "build-info.json").read_text())


def test_the_build_is_up_to_date_with_the_sources():
    assert build_info()["sourceHash"] == source_hash(), REBUILD


def test_the_build_holds_exactly_the_files_it_recorded():
    recorded = build_info()["files"]
    present = {p.relative_to(STATIC).as_posix(): p.stat().st_size for p in STATIC.rglob("*") if p.is_file()}
    present.pop("build-info.json")
    assert present == recorded, "stale or missing files in gql_monitor/static; rebuild with `npm run build`"


def test_index_names_the_built_assets_and_nothing_from_elsewhere():
    html = (STATIC / "index.html").read_text()
    referenced = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
    assert {Path(r).suffix for r in referenced} == {".js", ".css", ".svg"}
    for ref in referenced:
        assert (STATIC / ref.lstrip("/")).is_file(), ref
    # The app's CSP allows only same-origin scripts: nothing inline, no CDN.
    assert not re.search(r"<script(?![^>]*\bsrc=\"/assets/)", html)
    assert "http://" not in html and "https://" not in html


def test_the_lock_file_is_committed_with_the_sources():
    assert "package-lock.json" in source_files() and "package.json" in source_files()


def test_the_page_stays_light():
    """No framework: the whole UI is one small script and one stylesheet (budgets before compression)."""
    files = build_info()["files"]
    script = sum(size for name, size in files.items() if name.endswith(".js"))
    style = sum(size for name, size in files.items() if name.endswith(".css"))
    assert script <= 60_000, f"app script is {script} bytes"
    assert style <= 15_000, f"stylesheet is {style} bytes"
