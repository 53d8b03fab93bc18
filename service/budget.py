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


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`BudgetExceeded` if the block runs longer than ``seconds``."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _expired(signum: int, frame: object) -> None:
        raise BudgetExceeded(
            f"analysis took longer than the {seconds:g} s budget; send a shorter text or fewer parties",
            headers={"Retry-After": "1"},
        )

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
