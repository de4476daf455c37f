"""Reads answered from memory without leaving the event loop.

A read the freshness bound lets us reuse costs microseconds; handing it to a
worker thread costs more than that (two thread switches and a loop wake-up
per request). So a backend that keeps such answers says so with a true
`READS_FROM_MEMORY` class attribute, and the API first runs each read inline
in "memory only" mode: every step that would block (a Slurm command, a
socket, a shared read's miss) calls `may_block()`, which then raises
`WouldBlock` before doing anything, and the read is run again on the pool.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

R = TypeVar("R")

_MEMORY_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("memory_only", default=False)


class WouldBlock(BaseException):
    """Raised in memory-only mode where a read would block.

    A BaseException, so that no `except Exception` on the way turns it into an
    error answer: it must reach `try_from_memory`.
    """


def may_block() -> None:
    """Call before blocking work. Raises: WouldBlock in memory-only mode."""
    if _MEMORY_ONLY.get():
        raise WouldBlock


@contextmanager
def _memory_only() -> Iterator[None]:
    token = _MEMORY_ONLY.set(True)
    try:
        yield
    finally:
        _MEMORY_ONLY.reset(token)


def reads_from_memory(backend: object) -> bool:
    """Whether `backend` guards its blocking steps with `may_block()`."""
    return bool(getattr(backend, "READS_FROM_MEMORY", False))


def try_from_memory(func: Callable[..., R], *args: Any) -> tuple[bool, R | None]:
    """(True, result) when `func(*args)` finished without blocking, else (False, None)."""
    try:
        with _memory_only():
            return True, func(*args)
    except WouldBlock:
        return False, None
