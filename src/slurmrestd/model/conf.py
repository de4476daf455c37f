"""The controller's configuration as `scontrol show config` lists it, version-neutral.

Values stay text as written in slurm.conf (or the controller's default);
a version's renderer decides each key's type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Controller:
    machine: str
    address: str


@dataclass(frozen=True, slots=True)
class ControllerConfig:
    options: tuple[tuple[str, str], ...]  # (key as spelled in slurm.conf, value)
    controllers: tuple[Controller, ...]
    last_update: int  # unix time the configuration was (re)loaded

    def get(self, key: str) -> str | None:
        """A value by case-insensitive key."""
        wanted = key.lower()
        for name, value in self.options:
            if name.lower() == wanted:
                return value
        return None
