"""The token never reaches a log line, whichever logger, argument or traceback carries it."""

from __future__ import annotations

import logging

import pytest

from bot.logs import REDACTED, setup_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"


def test_token_is_redacted_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    handler = setup_logging("DEBUG", [TOKEN])
    try:
        log = logging.getLogger("bot.test")
        log.debug("plain %s", TOKEN)
        log.info(f"formatted Bot {TOKEN}")
        try:
            raise ValueError(f"bad {TOKEN}")
        except ValueError:
            log.exception("failed")
        logging.getLogger().warning({"token": TOKEN})
    finally:
        logging.getLogger().removeHandler(handler)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count(REDACTED) >= 4
    assert "ValueError" in err
