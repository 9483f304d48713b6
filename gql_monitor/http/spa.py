"""The bundled web UI: content-hashed assets under /assets, and index.html for every client route.

The UI's source is web/; `npm run build` there writes gql_monitor/static (committed, see docs/ui.md), so serving it
needs nothing but these files. Client routes (/, /jobs/<id>, /runs/<id>, /costs, ...) all answer index.html, and the
page's router picks the view, so a deep link or a reload lands on the right page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from starlette.convertors import Convertor, register_url_convertor
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
# index.html names the current asset hashes, so it must be revalidated; the hashed assets never change.
INDEX_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"


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
    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = ASSET_CACHE
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
