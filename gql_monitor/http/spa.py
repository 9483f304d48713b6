"""The bundled web UI: content-hashed assets under /assets, and index.html for every client route.

The UI's source is web/; `npm run build` there writes gql_monitor/static (committed, see docs/ui.md), so serving it
needs nothing but these files. Client routes (/, /jobs/<id>, /runs/<id>, /costs, ...) all answer index.html, and the
page's router picks the view, so a deep link or a reload lands on the right page.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, JSONResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.datastructures import Headers
from starlette.staticfiles import NotModifiedResponse, StaticFiles

from gql_monitor.http.compression import PRECOMPRESSED, has_precompressed, precompressed

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# index.html names the current asset hashes, so it must be revalidated; the hashed assets never change.
INDEX_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"
COMPRESSED_SUFFIXES = {suffix for _, suffix in PRECOMPRESSED}


class ClientRoutePath(Convertor):
    """Any path outside /api. Under /api the route does not match at all, so an unknown API path keeps FastAPI's
    JSON 404 (and a wrong method on an API route its 405) instead of getting the page."""

    regex = r"(?!api(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("client_route", ClientRoutePath())


class HashedAssets(StaticFiles):
    """The build's files; where the build also wrote a `.br`/`.gz` copy, the best one the request accepts."""

    def file_response(self, full_path, stat_result, scope, status_code=200):
        path = Path(full_path)
        if path.suffix in COMPRESSED_SUFFIXES:
            # The copies are sent only as an encoding of their original, never as files of their own.
            raise HTTPException(status_code=404)
        request = Headers(scope=scope)
        headers = {"Cache-Control": ASSET_CACHE}
        if has_precompressed(path):
            headers["Vary"] = "Accept-Encoding"
        variant = precompressed(path, request.get("accept-encoding"))
        if variant is not None:
            path, headers["Content-Encoding"] = variant
            stat_result = path.stat()
        # The type is the original's: `app.js.br` is JavaScript, in Brotli.
        response = FileResponse(path, status_code=status_code, stat_result=stat_result, headers=headers,
                                media_type=mimetypes.guess_type(str(full_path))[0])
        if self.is_not_modified(response.headers, request):
            return NotModifiedResponse(response.headers)
        return response


def mount(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Register the UI's routes; call after every other route, since the client-route pattern matches any path."""
    index = static_dir / "index.html"
    app.mount("/assets", HashedAssets(directory=static_dir / "assets", check_dir=False), name="assets")

    @app.api_route("/{path:client_route}", methods=["GET", "HEAD"], include_in_schema=False)
    async def client_route():
        if not index.is_file():
            return JSONResponse({"detail": "The web UI is not built: run `npm run build` in web/ (see docs/ui.md)."},
                                status_code=404)
        return FileResponse(index, media_type="text/html", headers={"Cache-Control": INDEX_CACHE})
