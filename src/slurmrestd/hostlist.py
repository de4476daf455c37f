"""Slurm hostlist expressions: `node[01-04,7],login` <-> a list of host names.

This module owns the text syntax only: `expand` turns an expression into host
names (like `scontrol show hostnames`) and `compress` turns host names back
into a compact, sorted, de-duplicated expression (like `scontrol show
hostlist`). It knows nothing of nodes, partitions or slurm.conf.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Slurm's own hostlist code caps a bracket expansion at about 64k hosts (its
# MAX_RANGE, src/common/hostlist.c). We apply that bound to a whole expression,
# so a typo such as `node[1-99999999]` fails fast instead of exhausting memory.
MAX_HOSTS = 65536

# Between items at top level; inside brackets only the comma is special.
_SEPARATORS = frozenset(", \t\r\n")
# Characters that cannot appear in a host name without breaking the syntax.
_FORBIDDEN_IN_NAME = re.compile(r"[\[\],\s]")
_RANGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")
# The last run of digits ending the name; the prefix is as short as possible
# so that the digits run is as long as possible ("n123" -> "n", "123").
_NUMBERED = re.compile(r"(.*?)([0-9]+)")


class HostlistError(ValueError):
    """A hostlist expression or host name that cannot be handled."""


@dataclass(frozen=True, slots=True)
class _Range:
    """One `lo-hi` item of a bracket, printed zero-padded to `width`."""

    lo: int
    hi: int
    width: int

    @property
    def size(self) -> int:
        # Not __len__: len() overflows for ranges past sys.maxsize.
        return self.hi - self.lo + 1

    def __iter__(self) -> Iterator[str]:
        return (str(n).zfill(self.width) for n in range(self.lo, self.hi + 1))


# ------------------------------------------------------------------ expand --


def expand(expr: str) -> list[str]:
    """Expand a hostlist expression into host names, in order, duplicates kept.

    Raises:
        HostlistError: unbalanced brackets, an empty, reversed or non-numeric
            range, or more than MAX_HOSTS hosts.
    """
    hosts: list[str] = []
    total = 0
    for item in _split_top_level(expr):
        parts = _parse_item(item)
        count = 1
        for part in parts:
            if not isinstance(part, str):
                count *= sum(r.size for r in part)
        total += count
        # Counted before generating anything: the product can be enormous.
        if total > MAX_HOSTS:
            raise HostlistError(f"hostlist {expr!r} expands to more than {MAX_HOSTS} hosts")
        choices = [[part] if isinstance(part, str) else _chain(part) for part in parts]
        # product() varies the right-most position fastest, as Slurm does.
        hosts.extend("".join(combo) for combo in itertools.product(*choices))
    return hosts


def _chain(ranges: list[_Range]) -> list[str]:
    return [name for r in ranges for name in r]


def _split_top_level(expr: str) -> list[str]:
    """Split on commas and whitespace outside brackets, checking bracket balance."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in expr:
        if ch == "[":
            if depth:
                raise HostlistError(f"nested '[' in hostlist {expr!r}")
            depth = 1
        elif ch == "]":
            if not depth:
                raise HostlistError(f"unbalanced ']' in hostlist {expr!r}")
            depth = 0
        elif ch in _SEPARATORS and not depth:
            items.append("".join(current))
            current = []
            continue
        current.append(ch)
    if depth:
        raise HostlistError(f"unclosed '[' in hostlist {expr!r}")
    items.append("".join(current))
    # Empty items ("a,,b", a trailing comma) are ignored, as scontrol does.
    return [item for item in items if item]


def _parse_item(item: str) -> list[str | list[_Range]]:
    """Split one balanced item into literal text and bracket range lists."""
    parts: list[str | list[_Range]] = []
    rest = item
    while "[" in rest:
        head, _, tail = rest.partition("[")
        body, _, rest = tail.partition("]")
        if head:
            parts.append(head)
        parts.append(_parse_ranges(body, item))
    if rest:
        parts.append(rest)
    return parts


def _parse_ranges(body: str, item: str) -> list[_Range]:
    ranges: list[_Range] = []
    for raw in body.split(","):
        text = raw.strip()
        if not text:
            raise HostlistError(f"empty range in {item!r}")
        match = _RANGE.fullmatch(text)
        if match is None:
            raise HostlistError(f"non-numeric range {text!r} in {item!r}")
        lo_text, hi_text = match.group(1), match.group(2)
        lo = int(lo_text)
        hi = lo if hi_text is None else int(hi_text)
        if hi < lo:
            raise HostlistError(f"reversed range {text!r} in {item!r}")
        # The lower bound fixes the width: node[08-10] -> node08 .. node10.
        ranges.append(_Range(lo, hi, len(lo_text)))
    return ranges


# ---------------------------------------------------------------- compress --


@dataclass(frozen=True, slots=True)
class _Host:
    """A host name split for sorting; `width` -1 marks a name without digits."""

    prefix: str
    width: int  # zero-padding width; 0 means "printed without padding"
    number: int

    @property
    def key(self) -> tuple[str, int, int, int]:
        # Within a prefix: the bare name, then wider padding first, then
        # unpadded, which matches plain string order ("n", "n001", "n01", "n1").
        return (self.prefix, int(self.width >= 0), -self.width, self.number)


def compress(hosts: Iterable[str]) -> str:
    """Build the sorted, de-duplicated hostlist expression naming `hosts`.

    Raises:
        HostlistError: a host name is empty or contains brackets, commas or
            whitespace, so no expression could name it.
    """
    names: set[str] = set()
    for name in hosts:
        if not name or _FORBIDDEN_IN_NAME.search(name):
            raise HostlistError(f"invalid host name {name!r}")
        names.add(name)
    parsed = sorted(_classify(names), key=lambda h: h.key)
    out: list[str] = []
    for (prefix, numbered, neg_width), group in itertools.groupby(parsed, key=lambda h: h.key[:3]):
        if not numbered:
            out.append(prefix)
            continue
        width = -neg_width
        numbers = [h.number for h in group]
        runs = [_format_run(lo, hi, width) for lo, hi in _runs(numbers)]
        if len(numbers) == 1:
            out.append(prefix + runs[0])
        else:
            out.append(f"{prefix}[{','.join(runs)}]")
    return ",".join(out)


def _classify(names: set[str]) -> list[_Host]:
    """Split names into prefix and number and choose each one's padding group.

    A zero-padded number ("07") only fits a bracket of exactly its width. An
    unpadded number fits any width up to its own length ("10" is also a
    two-digit padded number), so it joins the widest padded group of its
    prefix that fits; `node[01-10]` thus compresses back to itself.
    """
    plain: list[_Host] = []
    numbered: list[tuple[str, str]] = []
    for name in names:
        match = _NUMBERED.fullmatch(name)
        if match is None:
            plain.append(_Host(name, -1, 0))
        else:
            numbered.append((match.group(1), match.group(2)))
    padded_widths: dict[str, set[int]] = {}
    for prefix, digits in numbered:
        if _is_padded(digits):
            padded_widths.setdefault(prefix, set()).add(len(digits))
    result = plain
    for prefix, digits in numbered:
        if _is_padded(digits):
            width = len(digits)
        else:
            fitting = [w for w in padded_widths.get(prefix, ()) if w <= len(digits)]
            width = max(fitting, default=0)
        result.append(_Host(prefix, width, int(digits)))
    return result


def _is_padded(digits: str) -> bool:
    return len(digits) > 1 and digits[0] == "0"


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """Merge sorted, unique numbers into inclusive (lo, hi) runs."""
    lo = hi = numbers[0]
    for n in numbers[1:]:
        if n == hi + 1:
            hi = n
        else:
            yield lo, hi
            lo = hi = n
    yield lo, hi


def _format_run(lo: int, hi: int, width: int) -> str:
    if lo == hi:
        return str(lo).zfill(width)
    return f"{str(lo).zfill(width)}-{str(hi).zfill(width)}"
