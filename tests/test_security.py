"""security.check_user and its messages, against a made-up user database (pure).

os.getuid/getgid/getgroups and the pwd/grp lookups are replaced inside slurmrestd.security
only; the privilege drop and lock-down with real processes are tested in tests/e2e.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from slurmrestd import security
from slurmrestd.security import (
    MSG_NOBODY_GROUP,
    MSG_NOBODY_USER,
    MSG_ROOT_GROUP,
    MSG_ROOT_USER,
    MSG_SLURM_GROUP,
    MSG_SLURM_USER,
    SLURM_NOBODY,
    SecurityError,
    check_user,
)

# name -> (uid, primary gid)
USERS = {
    "root": (0, 0),
    "alice": (1000, 100),
    "restd": (1500, 1500),
    "slurm": (64030, 64030),
    "nobody": (65534, 65534),
    "legacy": (SLURM_NOBODY, 100),  # Slurm's nobody number under another name
}
# gid -> name
GROUPS = {0: "root", 100: "users", 1500: "restd", 64030: "slurm", 65534: "nogroup", 99: "x"}


def _passwd(name: str) -> SimpleNamespace:
    uid, gid = USERS[name]
    return SimpleNamespace(pw_name=name, pw_uid=uid, pw_gid=gid)


def _getpwuid(uid: int) -> SimpleNamespace:
    for name, (u, _) in USERS.items():
        if u == uid:
            return _passwd(name)
    raise KeyError(uid)


def _getgrgid(gid: int) -> SimpleNamespace:
    if gid not in GROUPS:
        raise KeyError(gid)
    return SimpleNamespace(gr_name=GROUPS[gid], gr_gid=gid)


def _getpwnam(name: str) -> SimpleNamespace:
    if name not in USERS:
        raise KeyError(name)
    return _passwd(name)


@pytest.fixture
def run_as(monkeypatch):
    """run_as(uid, gid, groups): make check_user see that process identity."""
    monkeypatch.setattr(security, "pwd", SimpleNamespace(getpwuid=_getpwuid, getpwnam=_getpwnam))
    monkeypatch.setattr(security, "grp", SimpleNamespace(getgrgid=_getgrgid, getgrnam=None))

    def apply(uid: int, gid: int, groups: tuple[int, ...] = ()) -> None:
        fake_os = SimpleNamespace(
            getuid=lambda: uid, getgid=lambda: gid, getgroups=lambda: list(groups)
        )
        monkeypatch.setattr(security, "os", fake_os)

    return apply


@pytest.mark.parametrize(
    ("uid", "gid", "groups", "slurm_user"),
    [
        (1000, 100, (100,), "slurm"),
        (1000, 100, (), None),
        (1500, 1500, (100, 1500), "slurm"),
        (1500, 1500, (), "64030"),  # SlurmUser given as a number
        (1500, 1500, (), "no-such-slurm-user"),  # cannot be us
        (1000, 100, (), "root"),  # a root SlurmUser: root itself is refused anyway
        (4242, 4242, (), "slurm"),  # a uid/gid with no name at all
    ],
)
def test_ordinary_users_pass(run_as, uid, gid, groups, slurm_user):
    run_as(uid, gid, groups)
    check_user(slurm_user)


@pytest.mark.parametrize(
    ("uid", "gid", "groups", "slurm_user", "message"),
    [
        (0, 0, (0,), None, MSG_ROOT_USER),
        (0, 100, (), "slurm", MSG_ROOT_USER),
        (1000, 0, (), None, MSG_ROOT_GROUP),  # root as primary group
        (1000, 100, (100, 0), None, MSG_ROOT_GROUP),  # root as supplementary group
        (SLURM_NOBODY, 100, (), None, MSG_NOBODY_USER),  # uid 99, whatever its name
        (65534, 100, (), None, MSG_NOBODY_USER),  # the user named nobody
        (1000, SLURM_NOBODY, (), None, MSG_NOBODY_GROUP),
        (1000, 100, (65534,), None, MSG_NOBODY_GROUP),  # nogroup, supplementary
        (64030, 100, (), "slurm", MSG_SLURM_USER),
        (64030, 100, (), "64030", MSG_SLURM_USER),
        (1000, 64030, (), "slurm", MSG_SLURM_GROUP),  # SlurmUser's primary group
        (1000, 100, (64030,), "slurm", MSG_SLURM_GROUP),  # ... as a supplementary group
    ],
)
def test_refused_identities(run_as, uid, gid, groups, slurm_user, message):
    run_as(uid, gid, groups)
    with pytest.raises(SecurityError) as info:
        check_user(slurm_user)
    assert str(info.value) == message


def test_first_rule_broken_is_reported(run_as):
    # root user in root group as SlurmUser: the root-user rule comes first.
    run_as(0, 0, (0, 64030))
    with pytest.raises(SecurityError, match="root user"):
        check_user("root")


def test_root_user_message_is_upstreams(shared_reference: Path):
    cli_capture = (shared_reference / "slurm-22.05" / "slurmrestd-cli.txt").read_text()
    assert f"slurmrestd: fatal: {MSG_ROOT_USER}" in cli_capture


def test_messages():
    # slurmrestd.c (_lock_down); clients and admins search logs for these.
    assert MSG_ROOT_USER == "slurmrestd should not be run as the root user."
    assert MSG_SLURM_USER == "slurmrestd should not be run as SlurmUser"
    assert MSG_SLURM_GROUP == "slurmrestd should not be run with SlurmUser's group."
    for message, words in [
        (MSG_ROOT_GROUP, "root group"),
        (MSG_NOBODY_USER, "nobody"),
        (MSG_NOBODY_GROUP, "nobody group"),
    ]:
        assert message.startswith("slurmrestd should not be run ")
        assert words in message
    assert SLURM_NOBODY == 99
