"""Structured logs: one JSON object a line, carrying the request id, the user and the documents touched."""

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
touched_var: ContextVar[tuple[str, ...]] = ContextVar("touched", default=())

# The numbers people search logs by: P-1001, SO-1001, PO-1001, INV-000123.
DOCUMENT_NUMBER = re.compile(r"\b(?:P|SO|PO|INV)-\d+\b")
# A request id handed in by a proxy is kept only when it is short and plain.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_logger = logging.getLogger("backorder_desk.request")


def touch(label: str) -> None:
    """Note the document numbers a label names, so the logs of this request or task carry them."""
    found = DOCUMENT_NUMBER.findall(label or "")
    if found:
        current = touched_var.get()
        touched_var.set(current + tuple(number for number in found if number not in current))


def start_context(*, request_id: str, user_id: int | None = None) -> list:
    """Begin a request's or a task's log context; give the tokens back to end_context."""
    return [request_id_var.set(request_id), user_id_var.set(user_id), touched_var.set(())]


def end_context(tokens: list) -> None:
    for var, token in zip((request_id_var, user_id_var, touched_var), tokens, strict=True):
        var.reset(token)


class ContextFilter(logging.Filter):
    """Put the request id, the user id and the numbers touched on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        record.documents = list(touched_var.get())
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "user_id": getattr(record, "user_id", None),
            "documents": getattr(record, "documents", []),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


class RequestContextMiddleware:
    """Give each request an id (the proxy's X-Request-ID when it sends a plain one) and log it when it ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        user = getattr(request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        tokens = start_context(request_id=request_id, user_id=user_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            # A sign-in during the request (the login page, a token) is known only now.
            if user_id_var.get() is None and getattr(request, "user", None) and request.user.is_authenticated:
                user_id_var.set(request.user.pk)
            response.headers["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            end_context(tokens)
