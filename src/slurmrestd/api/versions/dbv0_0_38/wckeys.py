"""dbv0.0.38 wckeys: GET /wckeys, /wckey/{id}, config dump.

As the real 22.05 daemon writes them (tests/slurm/data/c_dbv0.0.38_wckeys.json,
checked against the testbed): the usage list is "accounts" (the schema says
"accounting", 22.05's parser does not), and a user's default wckey carries a
"DEFAULT" flag after the stored ones. TRES of a usage row is a list there.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Codec, Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.tres import TRES
from slurmrestd.api.versions.dbv0_0_38.values import NUMBER, STRING, STRINGS, one_or_none
from slurmrestd.model.accounting import AccountingUsage, WCKey

ACCOUNTING_USAGE = Shape(
    AccountingUsage,
    [
        row("allocated", "allocated_seconds", NUMBER),
        row("id", "id", NUMBER),
        row("start", "start", NUMBER),
        row("TRES", "tres", one_or_none(nested(TRES))),
    ],
)

# Not a stored flag: 22.05 writes it for a record's is_def and reads it back into it.
DEFAULT_FLAG = "DEFAULT"


def _dump_flags(wckey: WCKey) -> list[str]:
    return [*wckey.flags, *([DEFAULT_FLAG] if wckey.is_default else [])]


FLAGS = Codec(_dump_flags, STRINGS.load)


class WCKeyShape(Shape[WCKey]):
    """The rows, plus "DEFAULT" among the flags read as the default mark (POST bodies too)."""

    __slots__ = ()

    def load(self, data: Any, prefix: str) -> WCKey:
        wckey = super().load(data, prefix)
        if DEFAULT_FLAG not in wckey.flags:
            return wckey
        stored = tuple(f for f in wckey.flags if f != DEFAULT_FLAG)
        return dataclasses.replace(wckey, flags=stored, is_default=True)


WCKEY = WCKeyShape(
    WCKey,
    [
        row("accounts", "accounting", listed(nested(ACCOUNTING_USAGE))),
        row("cluster", "cluster", STRING),
        row("id", "id", NUMBER),
        row("name", "name", STRING),
        row("user", "user", STRING),
        row("flags", "flags", FLAGS, whole_record=True),
    ],
)


def render_wckey(wckey: WCKey) -> dict[str, Any]:
    return WCKEY.render(wckey)


def parse_wckey(data: Any, source: str = "parse_wckey") -> WCKey:
    """Raises: SlurmError naming the field that does not fit."""
    return WCKEY.parse(data, source)
