"""Reliability fixtures and the session report of what was tried."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from service.app import create_app
from tests.conftest import make_settings
from tests.reliability.tally import TALLY

REPORT = Path(__file__).resolve().parents[2] / ".pytest_cache" / "sikap-reliability.json"


@pytest.fixture(scope="module")
def rel_app(tiny_model, registry):
    """One app on the tiny model for a whole module (fuzzing builds no app per case)."""
    return create_app(tiny_model, registry, make_settings())


@pytest.fixture(scope="module")
def rel_client(rel_app):
    return rel_app.test_client()


@pytest.fixture(scope="module")
def quiet_access_log():
    """Thousands of fuzz requests would flood the output with access-log lines."""
    log = logging.getLogger("sikap.access")
    log.disabled = True
    yield
    log.disabled = False


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the reliability numbers (and keep them in .pytest_cache)."""
    if not TALLY:
        return
    TALLY["5xx seen"] += 0  # always reported, even when none was seen
    terminalreporter.section("sikap reliability")
    for key in sorted(TALLY):
        terminalreporter.write_line(f"{key}: {TALLY[key]}")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(dict(sorted(TALLY.items())), indent=2) + "\n")
