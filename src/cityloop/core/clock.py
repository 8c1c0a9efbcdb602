"""The one source of "now", so that simulations and tests can move time."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    """Make `now()` return `moment` inside the block (tests and the demo generator)."""
    global _frozen  # noqa: PLW0603 - a process-wide clock is the point
    previous, _frozen = _frozen, moment
    try:
        yield
    finally:
        _frozen = previous
