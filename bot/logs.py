"""Logging to stderr, with a filter that keeps secrets out of every line."""

from __future__ import annotations

import logging
import sys

REDACTED = "[redacted]"
# At DEBUG these log whole gateway frames, request bodies and SQL parameters: people's words.
QUIET_LIBRARIES = ("discord", "aiosqlite")


class RedactingFilter(logging.Filter):
    """Replaces each secret wherever it would appear in a formatted record, including tracebacks."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


def setup_logging(level: str, secrets: list[str]) -> logging.Handler:
    """One stderr handler on the root logger; the redaction filter sits on it, so no logger escapes."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    return handler
