import io
import json
import logging

import pytest
import structlog


class CapturedLogs:
    """What the app wrote to its log during a test, rendered by the app's own formatter."""

    def __init__(self, stream: io.StringIO):
        self._stream = stream

    @property
    def text(self) -> str:
        return self._stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict]:
        return [line for line in self.lines() if line.get("event") == name]


@pytest.fixture
def logs():
    """Every log line of the test at DEBUG and above, through the formatter of the stdout handler.

    The real pipeline (structlog -> ProcessorFormatter -> redaction -> JSON) renders the lines; only the
    destination differs, so a secret that reached stdout in production reaches this capture too.
    """
    root = logging.getLogger()
    formatter = next(
        handler.formatter
        for handler in root.handlers
        if isinstance(handler.formatter, structlog.stdlib.ProcessorFormatter)
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield CapturedLogs(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
