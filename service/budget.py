"""A per-request time budget that interrupts the analysis, not the worker.

gunicorn's worker timeout kills the whole worker (and every request on it).  A
budget set with ``SIGALRM`` instead raises inside the request that overran, so
it gets a 503 problem and the worker keeps serving.  Signals only reach the main
thread; elsewhere (threaded servers) the budget is not enforced and the
gunicorn timeout remains the backstop.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import BudgetExceeded

_REPEAT_SECONDS = 0.25


@contextmanager
def time_budget(seconds: float, detail: str | None = None) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` (with ``detail``) if the block runs longer than ``seconds``."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        raise BudgetExceeded(
            detail or f"analysis took longer than the {seconds:g} s budget; send a shorter text or fewer parties",
            headers={"Retry-After": "1"},
        )

    previous = signal.signal(signal.SIGALRM, _expired)
    # Re-armed until the block ends: an exception raised while the interpreter
    # runs a gc callback or a __del__ is swallowed ("Exception ignored in ..."),
    # and a one-shot alarm would then leave the request without a budget.
    signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
