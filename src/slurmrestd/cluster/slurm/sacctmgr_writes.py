"""Changing slurmdbd with `sacctmgr -i add|modify|delete ...` and reading what it said.

sacctmgr 22.05 exits 1 both when it failed and when there was nothing to do
("Nothing new added.", "Nothing deleted", "Nothing modified"), so the text
decides. Its failures are sentences, not error numbers: the table below maps
the ones seen on the testbed to Slurm's numbers. Access refusals carry no
description, as slurmdbd's own answer to the REST daemon has none.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.commands import CommandResult, SlurmCommands, errno_from_text

IMMEDIATE = ("sacctmgr", "-i")  # no "commit changes?" question

# Texts sacctmgr prints (22.05) -> Slurm error number; the first match wins.
SACCTMGR_ERRORS: tuple[tuple[str, Errno], ...] = (
    ("doesn't have privilege", Errno.ACCESS_DENIED),
    ("Access/permission denied", Errno.ACCESS_DENIED),
    ("Parent account", Errno.INVALID_PARENT_ACCOUNT),
    ("Need name of account", Errno.INVALID_ACCOUNT),
    ("account '", Errno.INVALID_ACCOUNT),  # "This account 'x' doesn't exist ..."
    ("bad qos", Errno.INVALID_QOS),
    ("Job(s) active", Errno.JOBS_RUNNING_ON_ASSOC),
    ("running jobs", Errno.JOBS_RUNNING_ON_ASSOC),
    ("Unknown option", Errno.EINVAL),
    ("Unknown field", Errno.EINVAL),
)
_NOTHING_TO_DO = ("Nothing new added", "Nothing deleted", "Nothing modified")


class Outcome(enum.Enum):
    DONE = "done"
    NOTHING = "nothing"  # sacctmgr found nothing to add, change or delete


def sacctmgr_error(result: CommandResult, source: str) -> SlurmError:
    """The SlurmError a failed sacctmgr run (read or write) means; source: the slurmdb call."""
    text = f"{result.stderr}\n{result.stdout}"
    number = next((errno for marker, errno in SACCTMGR_ERRORS if marker in text), None)
    if number is None:
        number = errno_from_text(text)
    if number == Errno.ACCESS_DENIED:
        return SlurmError(Errno.ACCESS_DENIED, "", source)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = " ".join(lines) or f"sacctmgr exited with status {result.returncode}"
    return SlurmError(Errno.UNSPECIFIED if number is None else number, message, source)


def outcome(result: CommandResult, source: str) -> Outcome:
    """Whether the change was made or there was nothing to do.

    Raises:
        SlurmError: sacctmgr refused or failed.
    """
    if result.returncode == 0:
        return Outcome.DONE
    text = f"{result.stdout}\n{result.stderr}"
    if any(marker in text for marker in _NOTHING_TO_DO) and "rror" not in result.stderr:
        return Outcome.NOTHING
    raise sacctmgr_error(result, source)


def listed_items(stdout: str) -> list[str]:
    """The indented lines under sacctmgr's "Deleting ...", "Modified ..." headers.

    Not those under "Deleting users (No Associations)...": sacctmgr's own clean-up
    after the last association of a user went, which slurmdbd's remove call (what
    the C daemon reports) never lists (seen on 22.05.8).
    """
    items = []
    under_header = False
    for line in stdout.splitlines():
        if not line.strip():
            continue
        if line.startswith("  "):
            if under_header:
                items.append(" ".join(line.split()))
        else:
            header = line.strip().rstrip(".")
            under_header = header.startswith(("Deleting", "Modified", "Removed"))
            under_header = under_header and "(No Associations)" not in header
    return items


def joined(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def command(*words: str) -> tuple[str, ...]:
    return (*IMMEDIATE, *words)


def where_set(entity: str, where: Sequence[str], changes: Sequence[str]) -> tuple[str, ...] | None:
    """`modify <entity> where ... set ...`; None when there is nothing to set."""
    if not changes:
        return None
    return command("modify", entity, "where", *where, "set", *changes)


def option(key: str, value: object | None) -> list[str]:
    """`Key=value`, or nothing for an unset value."""
    return [] if value is None else [f"{key}={value}"]


class SacctmgrRunner:
    """Runs sacctmgr changes for identities (the base of the store's writers)."""

    def __init__(self, commands: SlurmCommands, cluster_name: str) -> None:
        self._commands = commands
        self._local = cluster_name
        # Called after every change, whatever its outcome (the store drops reused reads).
        self.after_write: Callable[[], None] = lambda: None

    def _run(self, identity: Identity, argv: Sequence[str], source: str) -> tuple[Outcome, str]:
        """Raises: SlurmError when sacctmgr refused or failed (see outcome)."""
        try:
            result = self._commands.run(identity, argv)
        finally:
            self.after_write()
        return outcome(result, source), result.stdout

    def _removed(self, identity: Identity, argv: Sequence[str], source: str) -> list[str]:
        """What a delete run reports as removed (nothing when there was nothing to remove)."""
        done, stdout = self._run(identity, argv, source)
        return listed_items(stdout) if done is Outcome.DONE else []

    def _deleted(
        self, identity: Identity, argv: Sequence[str], name: str, source: str
    ) -> list[str]:
        """[name] when a delete run removed something, else []."""
        done, _ = self._run(identity, argv, source)
        return [name] if done is Outcome.DONE else []
