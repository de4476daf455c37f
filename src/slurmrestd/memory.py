"""glibc allocator settings for a daemon that builds large answers.

A job listing can be tens of MB. glibc raises its mmap threshold to the size
of each large block freed, so later large answers come from the heap, and
with one arena per worker thread the freed space stays scattered there: RSS
was seen to grow by 70 % over 20 000 mixed requests. A fixed threshold
(large blocks are mapped and unmapped) and two arenas slow that down; giving
the free pages back (malloc_trim) a moment after a large answer, and once
the daemon is quiet, keeps it flat (measured in-process: 1.3 GB -> 0.2 GB
after 20 000 requests).
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from typing import Any

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # mallopt parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 1 << 20
ARENA_MAX = 2


def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def tune_allocator(libc: Any | None = None) -> bool:
    """Apply the settings above; False where the C library has no mallopt (not glibc)."""
    libc = libc if libc is not None else _libc()
    if libc is None:
        return False
    done = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        libc.mallopt(M_ARENA_MAX, ARENA_MAX)
    )
    if not done:
        log.debug("mallopt refused the allocator settings")
    return done


class Trimmer:
    """Returns freed memory to the system once the daemon is quiet, and soon after
    large answers.

    glibc keeps the pages of freed blocks (a /jobs refresh parses and frees tens
    of MB in a worker thread's arena without any large answer); malloc_trim gives
    them back, at a cost of a few ms per trim (more on a large, fragmented heap).
    A trim runs `delay` after the last answer, so it does not compete with a
    busy stream of requests; a large answer gets one within `delay` even under
    load. At most one timer is pending, whatever the rate of answers.
    """

    def __init__(self, libc: Any | None = None, min_bytes: int = 1 << 20, delay: float = 1.0):
        self._libc = libc if libc is not None else _libc()
        self.min_bytes = min_bytes
        self.delay = delay
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last = 0.0  # loop time of the latest answer
        self._large = False  # a large answer since the last trim
        self.trims = 0

    def answered(self, size: int) -> None:
        """Note an answer of `size` bytes; a trim follows (see the class)."""
        if self._libc is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._last = loop.time()
        self._large = self._large or size >= self.min_bytes
        if self._loop is None:
            self._loop = loop
            loop.call_later(self.delay, self._due)

    def _due(self) -> None:
        loop = self._loop
        quiet = loop.time() - self._last
        if not self._large and quiet < self.delay:
            loop.call_later(self.delay - quiet, self._due)
            return
        self._loop, self._large = None, False
        self.trims += 1
        self._libc.malloc_trim(0)
