"""Stand-ins for the subprocess boundary of the slurm backend (unit tests only)."""

from __future__ import annotations

import subprocess
import threading
from typing import Any


class FakeRunner:
    """Records each call; answers from a table keyed by the command line."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[int, str, str]] | None = None):
        self.answers = answers or {}
        self.calls: list[tuple[list[str], dict[str, Any]]] = []
        self.raise_exc: BaseException | None = None
        self.gate: threading.Event | None = None  # when set up, every call waits for it

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((argv, kwargs))
        if self.gate is not None:
            self.gate.wait(5)
        if self.raise_exc is not None:
            raise self.raise_exc
        code, out, err = self.answers.get(tuple(argv), (0, "", ""))
        return subprocess.CompletedProcess(argv, code, out, err)

    @property
    def last_env(self) -> dict[str, str]:
        return self.calls[-1][1]["env"]
