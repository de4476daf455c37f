"""Associations and QOS through sacctmgr: one column table per record, read and written.

A Column pairs a `show ... format=` field with the canonical attribute it
holds and with the `add`/`modify ... set` option that changes it, so listing
and writing use the same rows. Writing follows the store's "add or modify"
rule: None and () leave a limit as it is, INFINITE clears it (sacctmgr's -1).
Facts about sacctmgr 22.05 (seen on the testbed): wall limits print as
durations and are set in minutes, GraceTime is set in plain seconds (a
duration there reads as 0) and PreemptExemptTime as a duration,
QOS flags have their own CamelCase names, PreemptMode "cluster" is the unset
mode (the REST API lists no mode then).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.model.accounting import QOS, Association, Tres

Reader = Callable[[str, st.TresTable], Any]
Writer = Callable[[Any, st.TresTable], str]

# Fairshare=parent is stored as this raw share count (SLURMDB_FS_USE_PARENT).
SHARES_PARENT = 0x7FFFFFFF

# sacctmgr's QOS flag names -> the REST API's, in the order the API lists them.
QOS_FLAGS = {
    "PartitionMinNodes": "PARTITION_MINIMUM_NODE",
    "PartitionMaxNodes": "PARTITION_MAXIMUM_NODE",
    "PartitionTimeLimit": "PARTITION_TIME_LIMIT",
    "EnforceUsageThreshold": "ENFORCE_USAGE_THRESHOLD",
    "NoReserve": "NO_RESERVE",
    "RequiresReservation": "REQUIRED_RESERVATION",
    "DenyOnLimit": "DENY_LIMIT",
    "OverPartQOS": "OVERRIDE_PARTITION_QOS",
    "PartitionQOS": "PARTITION_QOS",
    "NoDecay": "NO_DECAY",
    "UsageFactorSafe": "USAGE_FACTOR_SAFE",
}
_QOS_FLAG_ORDER = list(QOS_FLAGS.values())
_QOS_FLAG_NAMES = {api: name for name, api in QOS_FLAGS.items()}
_UNSET_PREEMPT = {"cluster", "off", ""}


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # format field of `sacctmgr show`
    attr: str  # canonical attribute
    read: Reader
    option: str | None  # `set` option (None: sacctmgr cannot set it)
    write: Writer


# ------------------------------------------------------------------ readers


def _plain(convert: Callable[[str], Any]) -> Reader:
    return lambda value, _table: convert(value)


def _tres(value: str, table: st.TresTable) -> tuple[Tres, ...]:
    return table.amounts(value)


def _shares(value: str, _table: st.TresTable) -> int | None:
    return SHARES_PARENT if value.strip().lower() == "parent" else st.integer(value)


def _qos_flags(value: str, _table: st.TresTable) -> tuple[str, ...]:
    found = {QOS_FLAGS.get(name, st.camel_to_upper(name)) for name in st.names(value)}
    known = [flag for flag in _QOS_FLAG_ORDER if flag in found]
    return tuple(known + sorted(found - set(known)))


def _preempt_modes(value: str, _table: st.TresTable) -> tuple[str, ...]:
    return tuple(m.upper() for m in st.names(value.lower()) if m not in _UNSET_PREEMPT)


# ------------------------------------------------------------------ writers


def _number(value: int | float, _table: st.TresTable) -> str:
    return "-1" if value == INFINITE else str(int(value))


def _real(value: float, _table: st.TresTable) -> str:
    return "-1" if value == INFINITE else repr(float(value))


def _duration(value: int | float, _table: st.TresTable) -> str:
    """Seconds as [days-]hh:mm:ss (a bare number would be read as minutes by some options)."""
    if value == INFINITE:
        return "-1"
    days, rest = divmod(int(value), 86400)
    hours, rest = divmod(rest, 3600)
    clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{days}-{clock}" if days else clock


def _text(value: str, _table: st.TresTable) -> str:
    return value


def _joined(values: Iterable[str], _table: st.TresTable) -> str:
    return ",".join(values)


def _tres_amounts(values: Iterable[Tres], table: st.TresTable) -> str:
    """ "cpu=4,mem=2000": memory goes as a plain MiB count, as slurmdbd stores it."""
    items = []
    for tres in values:
        key = st.tres_key(tres)
        if not tres.type and tres.id is not None:
            key = next((st.tres_key(t) for t in table.definitions if t.id == tres.id), "")
        if not key:
            raise SlurmError(Errno.INVALID_TRES, f"TRES without a type: {tres}", "sacctmgr")
        count = -1 if tres.count is None or tres.count == INFINITE else int(tres.count)
        items.append(f"{key}={count}")
    return ",".join(items)


def _shares_text(value: int, table: st.TresTable) -> str:
    return "parent" if value == SHARES_PARENT else _number(value, table)


def _flags_text(values: Iterable[str], _table: st.TresTable) -> str:
    return ",".join(_QOS_FLAG_NAMES.get(flag, flag) for flag in values)


def _modes_text(values: Iterable[str], _table: st.TresTable) -> str:
    return ",".join(v.lower() for v in values) or "cluster"


def _col(field: str, attr: str, read: Reader, option: str | None, write: Writer) -> Column:
    return Column(field, attr, read, option, write)


_INT = _plain(st.integer)
_MINUTES = _plain(st.minutes)
_SECONDS = _plain(st.seconds)
_REAL = _plain(st.real)


def _count(field: str, attr: str, option: str | None = None) -> Column:
    return _col(field, attr, _INT, option or field, _number)


def _amounts(field: str, attr: str, option: str | None = None) -> Column:
    return _col(field, attr, _tres, option or field, _tres_amounts)


# ------------------------------------------------------------------ associations

ASSOC_PLACE_FIELDS = ("ID", "LFT", "Cluster", "Account", "User", "Partition", "ParentName")
ASSOC_COLUMNS = (
    _col("Fairshare", "shares_raw", _shares, "Fairshare", _shares_text),
    _count("Priority", "priority"),
    _col("DefaultQOS", "default_qos", _plain(st.text), "DefaultQOS", _text),
    _col("QOS", "qos", _plain(st.names), "QOS", _joined),
    _count("GrpJobs", "grp_jobs"),
    _count("GrpJobsAccrue", "grp_jobs_accrue"),
    _count("GrpSubmitJobs", "grp_submit_jobs"),
    _col("GrpWall", "grp_wall", _MINUTES, "GrpWall", _number),
    _amounts("GrpTRES", "grp_tres"),
    _amounts("GrpTRESMins", "grp_tres_mins"),
    _amounts("GrpTRESRunMins", "grp_tres_run_mins"),
    _count("MaxJobs", "max_jobs"),
    _count("MaxJobsAccrue", "max_jobs_accrue"),
    _count("MaxSubmitJobs", "max_submit_jobs"),
    _col("MaxWall", "max_wall_per_job", _MINUTES, "MaxWall", _number),
    _amounts("MaxTRES", "max_tres_per_job"),
    _amounts("MaxTRESPerNode", "max_tres_per_node"),
    _amounts("MaxTRESMins", "max_tres_mins_per_job"),
    _amounts("MaxTRESRunMins", "max_tres_run_mins"),
    _col("MinPrioThresh", "min_priority_threshold", _INT, None, _number),
)
ASSOC_FIELDS = (*ASSOC_PLACE_FIELDS, *(c.field for c in ASSOC_COLUMNS))


@dataclass(frozen=True, slots=True)
class ListedAssoc:
    """An association with its place in slurmdbd's tree (lft orders a listing)."""

    lft: int
    association: Association


def parse_associations(
    output: str, table: st.TresTable, defaults: frozenset[int] = frozenset()
) -> list[Association]:
    """Associations from `show assoc format=ASSOC_FIELDS`, in tree (lft) order per cluster.

    `defaults` are the ids of users' default associations (`show assoc onlydefaults`).
    """
    listed = []
    for row in st.rows(output, ASSOC_FIELDS, "slurmdb_associations_get"):
        values = {c.attr: c.read(row[c.field], table) for c in ASSOC_COLUMNS}
        assoc_id = st.integer(row["ID"])
        user = st.text(row["User"])
        assoc = Association(
            account=st.text(row["Account"]),
            cluster=st.text(row["Cluster"]),
            partition=st.text(row["Partition"]),
            user=user,
            id=assoc_id,
            # slurmdbd names a parent only for an account's own association.
            parent_account=None if user else st.text(row["ParentName"]),
            is_default=assoc_id in defaults if user else False,
            **values,
        )
        listed.append(ListedAssoc(st.integer(row["LFT"]) or 0, assoc))
    listed.sort(key=lambda item: (item.association.cluster or "", item.lft))
    return [item.association for item in listed]


# ------------------------------------------------------------------ QOS

QOS_COLUMNS = (
    _col("Flags", "flags", _qos_flags, "Flags", _flags_text),
    _col("GraceTime", "grace_time", _SECONDS, "GraceTime", _number),  # set in seconds
    _count("GrpJobs", "grp_jobs"),
    _count("GrpJobsAccrue", "grp_jobs_accrue"),
    _count("GrpSubmitJobs", "grp_submit_jobs"),
    _amounts("GrpTRES", "grp_tres"),
    _amounts("GrpTRESMins", "grp_tres_mins"),
    _amounts("GrpTRESRunMins", "grp_tres_run_mins"),
    _col("GrpWall", "grp_wall", _MINUTES, "GrpWall", _number),
    _col("LimitFactor", "limit_factor", _REAL, "LimitFactor", _real),
    _count("MaxJobsPA", "max_jobs_per_account"),
    _count("MaxJobsPU", "max_jobs_per_user"),
    _count("MaxJobsAccruePA", "max_jobs_accrue_per_account"),
    _count("MaxJobsAccruePU", "max_jobs_accrue_per_user"),
    _count("MaxSubmitJobsPA", "max_submit_jobs_per_account"),
    _count("MaxSubmitJobsPU", "max_submit_jobs_per_user"),
    _amounts("MaxTRES", "max_tres_per_job"),
    _amounts("MaxTRESPA", "max_tres_per_account"),
    _amounts("MaxTRESPerNode", "max_tres_per_node"),
    _amounts("MaxTRESPU", "max_tres_per_user"),
    _amounts("MaxTRESMins", "max_tres_mins_per_job"),
    _amounts("MaxTRESRunMinsPA", "max_tres_run_mins_per_account"),
    _amounts("MaxTRESRunMinsPU", "max_tres_run_mins_per_user"),
    _col("MaxWall", "max_wall_per_job", _MINUTES, "MaxWall", _number),
    _count("MinPrioThreshold", "min_priority_threshold", "MinPrioThres"),
    _amounts("MinTRES", "min_tres_per_job"),
    _col("Preempt", "preempt_list", _plain(st.names), "Preempt", _joined),
    _col("PreemptMode", "preempt_mode", _preempt_modes, "PreemptMode", _modes_text),
    _col("PreemptExemptTime", "preempt_exempt_time", _SECONDS, "PreemptExemptTime", _duration),
    _count("Priority", "priority"),
    _col("UsageFactor", "usage_factor", _REAL, "UsageFactor", _real),
    _col("UsageThreshold", "usage_threshold", _REAL, "UsageThreshold", _real),
    # Free text goes last (see sacctmgr_text.rows).
    _col("Description", "description", _plain(st.text), "Description", _text),
)
QOS_FIELDS = ("ID", "Name", *(c.field for c in QOS_COLUMNS))


def parse_qos(output: str, table: st.TresTable) -> list[QOS]:
    """QOS from `show qos format=QOS_FIELDS`, in id order."""
    found = []
    for row in st.rows(output, QOS_FIELDS, "slurmdb_qos_get"):
        values = {c.attr: c.read(row[c.field], table) for c in QOS_COLUMNS}
        found.append(QOS(name=row["Name"], id=st.integer(row["ID"]), **values))
    return sorted(found, key=lambda q: q.id or 0)


# ------------------------------------------------------------------ writing


def set_options(
    record: Any, columns: Iterable[Column], table: st.TresTable, source: str
) -> list[str]:
    """`Option=value` for every column the record sets (None / () leave it as it is).

    Raises:
        SlurmError: a limit sacctmgr cannot set, or a TRES without a type (named `source`).
    """
    options = []
    for column in columns:
        value = getattr(record, column.attr)
        if value is None or value == ():
            continue
        if column.option is None:
            raise SlurmError(Errno.NOT_SUPPORTED, f"sacctmgr cannot set {column.attr}", source)
        try:
            options.append(f"{column.option}={column.write(value, table)}")
        except SlurmError as exc:
            raise SlurmError(exc.errno, exc.description, source) from None
    return options
