"""Compressed responses: gzip for what the app computes, precompressed files for the UI's assets.

A dashboard answer is some 120 KB of JSON and GraphiQL's script 1.3 MB; both shrink to a fifth or less. API answers
(and any other computed response of at least MINIMUM_SIZE bytes) are gzipped on the fly when the request accepts
gzip; the build (web/build.mjs) writes `.br` and `.gz` next to every compressible asset, and the asset server sends
the best one the request accepts, so assets cost no CPU per request and get Brotli's smaller output. Responses that
may vary carry `Vary: Accept-Encoding`, so a shared cache never serves one coding to a client that did not ask.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder, IdentityResponder
from starlette.types import Receive, Scope, Send

# Below this, the gzip header and the lost bytes of a packet are worth more than what compression saves.
MINIMUM_SIZE = 1024
# zlib's default: nearly level 9's size for a JSON answer at a fraction of its time.
GZIP_LEVEL = 6
# Best first: what web/build.mjs writes next to an asset, by the coding the file holds.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def accepted_codings(header: str | None) -> set[str]:
    """The content codings an Accept-Encoding header accepts (RFC 9110 12.5.3): those listed with a q-value above
    zero, and for `*`, the codings this app can send that are not listed. No header accepts none."""
    accepted, refused, any_other = set(), set(), False
    for item in (header or "").split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        coding = coding.lower()
        if not coding:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding == "*":
            any_other = quality > 0
        elif quality > 0:
            accepted.add(coding)
        else:
            refused.add(coding)
    if any_other:
        accepted |= {coding for coding, _ in PRECOMPRESSED} - refused
    return accepted


def precompressed(path: Path, accept_encoding: str | None) -> tuple[Path, str] | None:
    """The build's compressed copy of `path` that the request accepts, best first, with its coding."""
    codings = accepted_codings(accept_encoding)
    for coding, suffix in PRECOMPRESSED:
        variant = path.with_name(path.name + suffix)
        if coding in codings and variant.is_file():
            return variant, coding
    return None


def has_precompressed(path: Path) -> bool:
    return any(path.with_name(path.name + suffix).is_file() for _, suffix in PRECOMPRESSED)


class Compression(GZipMiddleware):
    """Starlette's gzip (which skips small, already-encoded, partial and incompressible responses and sets Vary),
    deciding from a parsed Accept-Encoding, so that `gzip;q=0` is a refusal rather than a request."""

    def __init__(self, app) -> None:
        super().__init__(app, minimum_size=MINIMUM_SIZE, compresslevel=GZIP_LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "gzip" in accepted_codings(Headers(scope=scope).get("accept-encoding")):
            responder = GZipResponder(self.app, self.minimum_size, compresslevel=self.compresslevel,
                                      thread_minimum_size=self.thread_minimum_size,
                                      exclude_content_types=self.exclude_content_types)
        else:
            responder = IdentityResponder(self.app, self.minimum_size, exclude_content_types=self.exclude_content_types)
        await responder(scope, receive, send)
