"""Canonical records about controllers: ping results and release numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SlurmVersion:
    major: int
    minor: int
    micro: int

    @property
    def release(self) -> str:
        return f"{self.major}.{self.minor:02d}.{self.micro}"


@dataclass(frozen=True, slots=True)
class ControllerPing:
    hostname: str
    responding: bool
    latency_us: int
    primary: bool
    mode: str  # "primary", "backup1", ...
