"""Per-process copies of small, rarely edited tables (the grid layer, the calendar) that notice edits.

Every `ttl` seconds the copy asks the database for a cheap signature (row count, latest change); when it
differs, the copy is rebuilt. So an edit in one process reaches every other process within `ttl`.
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Refreshing(Generic[T]):
    def __init__(self, load: Callable[[], T], signature: Callable[[], Hashable], ttl: float = 30.0):
        self._load, self._signature, self._ttl = load, signature, ttl
        self._value: T | None = None
        self._stamp: Hashable = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> T:
        now = time.monotonic()
        if self._value is None or now - self._checked > self._ttl:
            with self._lock:
                stamp = self._signature()
                if self._value is None or stamp != self._stamp:
                    self._value, self._stamp = self._load(), stamp
                self._checked = now
        assert self._value is not None
        return self._value

    def reset(self) -> None:
        with self._lock:
            self._value = None
