"""Counts behind the reliability report: cases tried, hostile bodies, 5xx seen, losses.

Tests add to :data:`TALLY`; ``conftest.py`` prints it in the terminal summary
and writes it to ``.pytest_cache/sikap-reliability.json`` for the closing note.
"""

from __future__ import annotations

from collections import Counter

TALLY: Counter[str] = Counter()


def record_status(status: int, kind: str) -> None:
    """Count one response of a fuzz/hostile ``kind``; 5xx are counted separately."""
    TALLY[kind] += 1
    if status >= 500:
        TALLY["5xx seen"] += 1
