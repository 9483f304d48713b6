"""The server's log lines: JSON, one object per line (GQL_MONITOR_LOG_FORMAT=json, the default for `serve`), or
plain text. Platform log tools (the App's Logs tab, a log shipper) can filter JSON lines by field: a request's id,
its caller, its operation. Records carry what `extra={"event": {...}}` gives them; tokens are never logged (callers
are named by a hash of their user name, http/request_log.py)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = getattr(record, "event", None)
        if isinstance(event, dict):
            line.update(event)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure(log_format: str) -> None:
    """One handler on the root logger for everything (uvicorn's loggers included), in the chosen format."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Each request is logged once, with its id and what it cost (http/request_log.py); uvicorn's own line is noise.
    logging.getLogger("uvicorn.access").disabled = True
