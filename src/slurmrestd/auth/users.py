"""The user database, remembered for a short while.

Every authenticated request names its user; asking NSS each time (a parse of
/etc/passwd, or a round trip to sssd/LDAP) cost a tenth of a cached read's
time. Entries live `ttl` seconds, so a changed or removed account is seen
within that bound; unknown names are never remembered.
"""

from __future__ import annotations

import pwd
import time
from collections.abc import Callable

DEFAULT_TTL_S = 30.0
DEFAULT_CAPACITY = 4096


class UserCache:
    """pwd.getpwnam with a time-bounded memory (thread-safe: one dict, atomic steps)."""

    def __init__(
        self,
        ttl: float = DEFAULT_TTL_S,
        capacity: int = DEFAULT_CAPACITY,
        clock: Callable[[], float] = time.monotonic,
        lookup: Callable[[str], pwd.struct_passwd] = pwd.getpwnam,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._lookup = lookup
        self._entries: dict[str, tuple[float, pwd.struct_passwd]] = {}

    def by_name(self, name: str) -> pwd.struct_passwd:
        """Raises: KeyError (no such user), ValueError (e.g. an embedded NUL), as pwd does."""
        now = self._clock()
        entry = self._entries.get(name)
        if entry is not None and entry[0] > now:
            return entry[1]
        user = self._lookup(name)
        if len(self._entries) >= self._capacity:
            self._entries.clear()  # a flood of names: start over rather than track ages
        self._entries[name] = (now + self._ttl, user)
        return user


USERS = UserCache()
