"""One logger setup for everything: structlog over stdlib logging.

Django's, gunicorn's, Celery's and our own lines all pass through the same ProcessorFormatter, so each is
one JSON object per line on stdout (or a readable console line for local work), carries the request id bound
in contextvars, and goes through the redaction step that keeps secrets out of logs.
"""

import atexit
import functools
import json
import logging.config
import os
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any

import structlog

SECRET_KEYS = frozenset(
    {
        "password",
        "new_password",
        "current_password",
        "old_password",
        "access",
        "refresh",
        "token",
        "authorization",
        "cookie",
        "set-cookie",
        "secret",
        "secret_key",
        "api_key",
        "database_url",
        "redis_url",
        "dsn",
        "signature",
    }
)
# Key names that hold a secret whatever their prefix or suffix (access_token, HTTP_AUTHORIZATION, x-api-key).
_SECRET_PARTS = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
    "private_key",
    "credential",
)
REDACTED = "[redacted]"
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]*:[^/\s@]*@", re.IGNORECASE)
# The credential of an Authorization header value ("Bearer eyJ...", "Basic dXNlcjpwYXNz").
_AUTH_SCHEME = re.compile(r"\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
# Paths whose last part is a credential: the download links of locally stored exports carry their signed
# token in the path, so a URL (a Sentry event's request, a breadcrumb, a log line) would hand the file out.
CREDENTIAL_PATHS = ("/exports/download/",)
_CREDENTIAL_PATH = re.compile(
    "(?P<path>" + "|".join(re.escape(path) for path in CREDENTIAL_PATHS) + r")[^/?#\s\"'<>]+"
)
# password=..., "token": "...", {'refresh': '...'} inside free text: exception messages, reprs, query strings.
_KEY_VALUE = re.compile(
    r"""(?P<key>\b(?:[\w-]*(?:password|passwd|secret|token|api[_-]?key|authorization|cookie|private[_-]?key"""
    r"""|credential)[\w-]*|access|refresh|dsn)\b["']?\s*[:=]\s*)(?:"[^"]*"|'[^']*'|[^\s"',;&})\]]+)""",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    # Remembered: log lines use a small, fixed set of field names, and every line asks about each of them.
    name = key.lower().replace("-", "_")
    return name in SECRET_KEYS or any(part in name for part in _SECRET_PARTS)


def redact_text(text: str) -> str:
    # Each pattern needs a literal the text must hold ("eyJ", the scheme name, "://", ":" or "="): testing for
    # it first skips the regular expression for the short plain values most fields carry.
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if "Bearer" in text or "Basic" in text:
        text = _AUTH_SCHEME.sub(rf"\g<1>\g<2>{REDACTED}", text)
    if "://" in text:
        text = _URL_CREDENTIALS.sub(rf"\g<scheme>{REDACTED}@", text)
    if "/download/" in text:
        text = _CREDENTIAL_PATH.sub(rf"\g<path>{REDACTED}", text)
    if ":" in text or "=" in text:
        text = _KEY_VALUE.sub(rf"\g<key>{REDACTED}", text)
    return text


def redact(value: Any, key: str | None = None) -> Any:
    """Return `value` with secrets replaced, looking into dicts, lists and strings."""
    if key is not None and is_secret_key(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


def _redact_event(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return {key: redact(value, key) for key, value in event_dict.items()}


def _drop_color_message(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    event_dict.pop("color_message", None)
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_color_message,
    ]


def logging_dict(*, level: str = "INFO", fmt: str = "json") -> dict[str, Any]:
    """The stdlib logging configuration (also given to gunicorn as its logconfig_dict)."""
    shared = _shared_processors()
    if fmt == "console":
        renderer: Any = structlog.dev.ConsoleRenderer(colors=False)
    else:
        renderer = structlog.processors.JSONRenderer()

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "foreign_pre_chain": shared,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    # Tracebacks become plain text without local variables (locals can hold passwords and
                    # tokens) before redaction runs, in both formats: the console renderer would otherwise
                    # format them itself, after redaction, with locals if `rich` is installed.
                    structlog.processors.format_exc_info,
                    _redact_event,
                    renderer,
                ],
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "structured",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # The request line is ours (finance.request); Django's duplicate would log every 4xx twice.
            "django.request": {"level": "CRITICAL", "propagate": True},
            "django.server": {"level": "WARNING"},
            "django.db.backends": {"level": "INFO"},
            "botocore": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
            # The OFX parser logs every tag and value of a bank statement at DEBUG: never a user's data.
            "ofxtools": {"level": "WARNING"},
            "gunicorn.error": {"handlers": ["stdout"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def build_logging(*, level: str = "INFO", fmt: str = "json") -> None:
    logging.config.dictConfig(logging_dict(level=level, fmt=fmt))
    # Python warnings (deprecations, missing static directories) become log lines too, not raw stderr text.
    logging.captureWarnings(True)
    shared = _shared_processors()
    structlog.configure(
        processors=[
            *shared[:1],
            structlog.stdlib.filter_by_level,
            *shared[1:],
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def as_json_line(line: str, *, logger: str) -> str:
    """`line` if it is a JSON object already, else a JSON log line of `logger` carrying it (redacted); ""
    for a blank line."""
    text = line.strip()
    if not text:
        return ""
    if text.startswith("{"):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return text + "\n"
    record = {
        "event": redact_text(text),
        "level": "info",
        "logger": logger,
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    return json.dumps(record) + "\n"


def json_stdout(*, logger: str) -> None:
    """From now on, everything written to file descriptor 1 - print(), writes straight to the descriptor that
    bypass sys.stdout, child processes forked later - passes a filter that keeps JSON lines and turns any
    other line into one JSON log line (as_json_line). Celery's worker needs it: it prints its banner and its
    shutdown notices itself, past logging.

    The filter is a pipe read by a thread of this process; at exit the descriptor is restored and the thread
    drains what is left.
    """
    sys.stdout.flush()
    original = os.dup(1)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 1)
    os.close(write_end)
    out = os.fdopen(original, "w", buffering=1, encoding="utf-8", closefd=False)

    def pump() -> None:
        with os.fdopen(read_end, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                converted = as_json_line(line, logger=logger)
                if converted:
                    out.write(converted)

    thread = threading.Thread(target=pump, name="json-stdout", daemon=True)
    thread.start()

    def drain() -> None:
        sys.stdout.flush()
        os.dup2(original, 1)  # the pipe's last writer in this process is gone: the thread reads to its end
        thread.join(timeout=5)

    atexit.register(drain)
