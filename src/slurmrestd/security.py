"""Privilege drop and the start-up security checks (upstream's _lock_down/_check_user).

Order, as upstream since 22.05.7: drop to -u/-g *before* any socket is made,
then refuse to run as root, SlurmUser, their primary groups, or nobody, then
set no-new-privs and unshare the file table and SYSV semaphores.
"""

from __future__ import annotations

import ctypes
import grp
import os
import pwd
from collections.abc import Set

# Slurm's own number for nobody (SLURM_AUTH_NOBODY), which is not Debian's 65534;
# both are refused.
SLURM_NOBODY = 99

PR_SET_NO_NEW_PRIVS = 38
CLONE_FILES = 0x00000400
CLONE_SYSVSEM = 0x00040000

MSG_ROOT_USER = "slurmrestd should not be run as the root user."
MSG_ROOT_GROUP = "slurmrestd should not be run with the root group."
MSG_SLURM_USER = "slurmrestd should not be run as SlurmUser"
MSG_SLURM_GROUP = "slurmrestd should not be run with SlurmUser's group."
MSG_NOBODY_USER = "slurmrestd should not be run as the nobody user."
MSG_NOBODY_GROUP = "slurmrestd should not be run with the nobody group."


class SecurityError(Exception):
    """Start-up must stop (fatal)."""


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def resolve_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
    except (KeyError, ValueError):
        raise SecurityError(f"Unable to find user {name!r}") from None


def resolve_group(name: str) -> grp.struct_group:
    try:
        return grp.getgrgid(int(name)) if name.isdigit() else grp.getgrnam(name)
    except (KeyError, ValueError):
        raise SecurityError(f"Unable to find group {name!r}") from None


def drop_privileges(user: str | None, group: str | None) -> None:
    """setgid (+ drop supplementary groups) and setuid to -u/-g.

    Raises:
        SecurityError: the user/group is unknown or the switch is not permitted.
    """
    try:
        if group is not None:
            gid = resolve_group(group).gr_gid
            os.setgroups([])
            os.setgid(gid)
        if user is not None:
            entry = resolve_user(user)
            if group is None:
                # -u alone: take the user's own groups, never keep root's.
                os.initgroups(entry.pw_name, entry.pw_gid)
                os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
    except PermissionError as exc:
        raise SecurityError(f"Unable to switch to user/group: {exc.strerror}") from None


def _is_nobody_uid(uid: int) -> bool:
    if uid == SLURM_NOBODY:
        return True
    try:
        return pwd.getpwuid(uid).pw_name == "nobody"
    except KeyError:
        return False


def _is_nobody_gid(gid: int) -> bool:
    if gid == SLURM_NOBODY:
        return True
    try:
        return grp.getgrgid(gid).gr_name in ("nobody", "nogroup")
    except KeyError:
        return False


def check_user(slurm_user: str | None) -> None:
    """Refuse identities that would make every client cluster root.

    Raises:
        SecurityError: with upstream's message for the first rule broken.
    """
    uid, gid = os.getuid(), os.getgid()
    groups = set(os.getgroups()) | {gid}
    if uid == 0:
        raise SecurityError(MSG_ROOT_USER)
    if 0 in groups:
        raise SecurityError(MSG_ROOT_GROUP)
    if _is_nobody_uid(uid):
        raise SecurityError(MSG_NOBODY_USER)
    if any(_is_nobody_gid(g) for g in groups):
        raise SecurityError(MSG_NOBODY_GROUP)
    if slurm_user:
        try:
            entry = resolve_user(slurm_user)
        except SecurityError:
            return  # a SlurmUser unknown here cannot be us
        if entry.pw_uid == uid:
            raise SecurityError(MSG_SLURM_USER)
        if entry.pw_gid in groups and entry.pw_gid != 0:
            raise SecurityError(MSG_SLURM_GROUP)


def lock_down(flags: Set[str]) -> None:
    """no-new-privs always; unshare files/SYSV unless SLURMRESTD_SECURITY disables them.

    Must run before any thread starts: unshare(CLONE_FILES) acts on the caller.
    """
    libc = _libc()
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SecurityError(f"Unable to set no_new_privs: {os.strerror(ctypes.get_errno())}")
    for flag, clone, what in (
        ("disable_unshare_files", CLONE_FILES, "file descriptors"),
        ("disable_unshare_sysv", CLONE_SYSVSEM, "SYSV semaphores"),
    ):
        if flag in flags:
            continue
        if libc.unshare(clone) != 0:
            err = os.strerror(ctypes.get_errno())
            raise SecurityError(
                f"Unable to unshare {what}: {err} (set SLURMRESTD_SECURITY={flag} to skip)"
            )


def no_new_privs() -> bool:
    """Whether no_new_privs is set on this process (from /proc, for tests and logs)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("NoNewPrivs:"):
                    return line.split()[1] == "1"
    except OSError:
        pass
    return False
