"""Structured logs: one JSON line per request, and JSON for everything else that logs."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for a terminal: level, logger, message, then the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"{record.levelname} {record.name}: {record.getMessage()}"]
        for key, value in getattr(record, "fields", {}).items():
            text = str(value)
            parts.append(
                f"\n  {key}:\n    " + text.replace("\n", "\n    ")
                if "\n" in text
                else f" {key}={text}"
            )
        if record.exc_info:
            parts.append("\n" + self.formatException(record.exc_info))
        return "".join(parts)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("kassa")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def _start_timer() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = (
        incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
    )


def _log_request(response: Response) -> Response:
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    user = g.get("kassa_user")
    logging.getLogger("kassa.request").info(
        "request",
        extra={
            "fields": {
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "merchant_id": user.merchant_id if user else None,
                "user_id": user.id if user else None,
            }
        },
    )
    return response


def init_request_logging(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_log_request)
