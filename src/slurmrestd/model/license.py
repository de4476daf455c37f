"""Canonical license records (slurm.conf `Licenses=`, or a real controller's)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class License:
    name: str
    total: int
    used: int = 0
    reserved: int = 0
    remote: bool = False
    last_consumed: int = 0
    last_deficit: int = 0
    last_update: int = 0  # unix time of the last change of this license
    nodes: str = ""  # hostlist of nodes the license is bound to (newest versions)

    @property
    def free(self) -> int:
        # Reserved licenses still count as free (seen on 22.05: Total=2 Reserved=1
        # Free=2); newer releases take out the deficit (0 on 22.05).
        return max(0, self.total - self.used - self.last_deficit)


@dataclass(frozen=True, slots=True)
class LicenseSnapshot:
    licenses: tuple[License, ...]
    last_update: int  # unix time the controller's license table last changed


def parse_licenses(value: str | None) -> tuple[tuple[str, int], ...]:
    """`Licenses=fluent:30,ansys*2,matlab` -> (("fluent", 30), ("ansys", 2), ("matlab", 1)).

    Raises:
        ValueError: a count is not a positive integer or a name is empty/duplicated.
    """
    result: list[tuple[str, int]] = []
    seen: set[str] = set()
    for item in (value or "").split(","):
        item = item.strip()
        if not item:
            continue
        sep = ":" if ":" in item else "*" if "*" in item else None
        name, count_text = item.split(sep, 1) if sep else (item, "1")
        name = name.strip()
        if not name or not count_text.strip().isdigit() or int(count_text) <= 0:
            raise ValueError(f"invalid license specification {item!r}")
        if name in seen:
            raise ValueError(f"duplicate license {name!r}")
        seen.add(name)
        result.append((name, int(count_text)))
    return tuple(result)
