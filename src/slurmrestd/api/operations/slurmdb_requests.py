"""What /slurmdb requests carry: URL queries as store filters, v0.0.46 bodies as records.

Queries: keys are matched without regard to case (as upstream); an unknown
key is refused with 9000 naming it. Lists are comma separated; a key given
without a value is a true flag.

v0.0.46 bodies: the parse shapes are derived from the v0.0.46 render shapes
by swapping each row's writer for the matching reader, so both directions
share one list of paths. A field a client cannot set (ids, usage, lineage)
is accepted and ignored, an unknown field or a wrong type is refused with a
DATA_* error naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.versions.dbv0_0_38 import values as v38
from slurmrestd.api.versions.dbv0_0_38.requests import load_records
from slurmrestd.api.versions.dbv0_0_38.shape import (
    Codec,
    FieldError,
    Row,
    Shape,
    listed,
    nested,
    row,
)
from slurmrestd.api.versions.request import epoch_from_time_string
from slurmrestd.api.versions.v0_0_46 import slurmdb_values as v46
from slurmrestd.api.versions.v0_0_46.slurmdb_accounts import (
    ACCOUNT,
    ASSOC_SHORT,
    ASSOC_SHORT_LIST,
    COORDINATOR,
    COORDINATOR_LIST,
)
from slurmrestd.api.versions.v0_0_46.slurmdb_associations import ASSOCIATION
from slurmrestd.api.versions.v0_0_46.slurmdb_clusters import CLUSTER
from slurmrestd.api.versions.v0_0_46.slurmdb_qos import QOS_SHAPE
from slurmrestd.api.versions.v0_0_46.slurmdb_tres import TRES, TRES_LIST
from slurmrestd.api.versions.v0_0_46.slurmdb_users import USER
from slurmrestd.api.versions.v0_0_46.slurmdb_wckeys import ACCOUNTING_LIST, WCKEY, WCKEY_LIST
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AssocConditions,
    AssocFilter,
    ClusterFilter,
    InstanceFilter,
    JobChanges,
    JobFilter,
    QosFilter,
    UserFilter,
    WCKeyFilter,
)
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import AdminLevel, Association
from slurmrestd.model.accounting_job import ExitStatus, join_exit_code

# --------------------------------------------------------------------------- queries

_TRUE = {"", "true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}


class Query:
    """The URL query of one operation, checked against the keys it knows."""

    def __init__(self, values: Mapping[str, Any], known: Iterable[str], source: str) -> None:
        self.source = source
        allowed = {k.casefold() for k in known}
        self._values: dict[str, Any] = {}
        for key, value in values.items():
            folded = str(key).casefold()
            if folded not in allowed:
                raise SlurmError(Errno.REST_INVALID_QUERY, f"Unknown query key {key}", source)
            self._values[folded] = value

    def bad(self, key: str, value: Any, expected: str) -> SlurmError:
        return SlurmError(
            Errno.REST_INVALID_QUERY, f"Query {key}={value} must be {expected}", self.source
        )

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._values.get(key.casefold())
        if value is None:
            return ()
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(s for s in (str(i).strip() for i in items) if s)

    def flag(self, key: str) -> bool:
        folded = key.casefold()
        if folded not in self._values:
            return False
        value = self._values[folded]
        if value is None or isinstance(value, bool):
            return value is None or value
        text = str(value).strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self.bad(key, value, "a Boolean")

    def integers(self, key: str) -> tuple[int, ...]:
        out = []
        for item in self.strings(key):
            digits = item.lstrip("-")
            if not (digits.isascii() and digits.isdigit()):  # "¹".isdigit() is True
                raise self.bad(key, item, "an integer")
            out.append(int(item))
        return tuple(out)

    def integer(self, key: str) -> int | None:
        found = self.integers(key)
        return found[0] if found else None

    def time(self, key: str) -> int | None:
        value = self._values.get(key.casefold())
        if value in (None, ""):
            return None
        moment = epoch_from_time_string(str(value))
        if moment is None:
            raise self.bad(key, value, "a time (UNIX seconds, YYYY-MM-DD[THH:MM[:SS]], now-1day)")
        return moment


# --------------------------------------------------------------------------- v0.0.46 values


def _string(value: Any, name: str) -> str | None:
    return v38.STRING.load(value, name) or None


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise FieldError(name, "expected boolean")


def _no_val(value: Any, name: str) -> int | float | None:
    """A number, or the {set, infinite, number} object newer versions write."""
    if not isinstance(value, dict):
        return v38.NUMBER.load(value, name)
    for key in value:
        if key not in ("set", "infinite", "number"):
            raise FieldError(f"{name}.{key}", "unknown field", Errno.DATA_PATH_NOT_FOUND)
    if _bool(value.get("infinite", False), f"{name}.infinite"):
        return INFINITE
    if not _bool(value.get("set", "number" in value), f"{name}.set"):
        return None
    number = value.get("number", 0)
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise FieldError(f"{name}.number", "expected number")
    return number


def _float_no_val(value: Any, name: str) -> float | None:
    number = _no_val(value, name) if isinstance(value, dict) else value
    if number is None or number == INFINITE:
        return number
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise FieldError(name, "expected number")
    return float(number)


def _admin_level(value: Any, name: str) -> AdminLevel:
    items = value if isinstance(value, list) else [value]
    if len(items) != 1:
        raise FieldError(name, "expected exactly one admin level")
    try:
        return AdminLevel(items[0])
    except ValueError:
        allowed = ", ".join(level.value for level in AdminLevel)
        raise FieldError(name, f"expected one of: {allowed}") from None


_IGNORED = Codec(lambda v: v)  # load None: the key is accepted, its value not used


def _readers(shape: Shape[Any], read_only: Iterable[str] = ()) -> Shape[Any]:
    """The parse shape of a v0.0.46 render shape (same paths, reading codecs)."""
    rows = []
    for r in shape.rows:
        path = "/".join(r.path)
        codec = _IGNORED if path in read_only or r.attr is None else _READERS.get(id(r.codec))
        if codec is None:
            raise TypeError(f"{shape.record_type.__name__}.{path}: no reader for its codec")
        rows.append(Row(r.path, r.attr, codec, r.whole_record))
    return Shape(shape.record_type, rows)


_SCALARS = {
    id(v46.STRING): Codec(v46.STRING.dump, _string),
    id(v46.INT): Codec(v46.INT.dump, v38.NUMBER.load),
    id(v46.BOOL): Codec(v46.BOOL.dump, _bool),
    id(v46.NO_VAL): Codec(v46.NO_VAL.dump, _no_val),
    id(v46.FLOAT_NO_VAL): Codec(v46.FLOAT_NO_VAL.dump, _float_no_val),
    id(v46.STRINGS): Codec(v46.STRINGS.dump, v38.STRINGS.load),
    id(v46.FLAG): Codec(v46.FLAG.dump, _admin_level),
    id(ACCOUNTING_LIST): _IGNORED,  # usage is computed, never set
}
_READERS: dict[int, Codec] = dict(_SCALARS)
TRES_PARSE = _readers(TRES)
_READERS[id(TRES_LIST)] = listed(nested(TRES_PARSE))
_READERS[id(ASSOC_SHORT_LIST)] = listed(nested(_readers(ASSOC_SHORT, ["id"])))
_READERS[id(COORDINATOR_LIST)] = listed(nested(_readers(COORDINATOR)))
WCKEY_PARSE = _readers(WCKEY, ["id"])
_READERS[id(WCKEY_LIST)] = listed(nested(WCKEY_PARSE))

ACCOUNT_PARSE = _readers(ACCOUNT, ["associations"])
USER_PARSE = _readers(USER, ["associations"])
ASSOCIATION_PARSE = _readers(ASSOCIATION, ["id", "lineage"])
QOS_PARSE = _readers(QOS_SHAPE, ["id"])
CLUSTER_PARSE = _readers(CLUSTER, ["associations/root"])

_ENVELOPE = ("meta", "errors", "warnings")


def parse_records(body: Any, key: str, shape: Shape[Any], source: str) -> tuple[Any, ...]:
    """The records of a v0.0.46 POST body {key: [...]} (meta/errors/warnings allowed beside).

    Raises:
        SlurmError: a DATA_* error naming the field that does not fit.
    """
    try:
        if not isinstance(body, dict):
            raise FieldError("body", "expected object", Errno.DATA_EXPECTED_DICT)
        for name in body:
            if name != key and name not in _ENVELOPE:
                raise FieldError(name, "unknown field", Errno.DATA_PATH_NOT_FOUND)
        if key not in body:
            raise FieldError(key, "missing", Errno.DATA_PARSE_NOTHING)
        return load_records(shape, body[key], key)
    except FieldError as exc:
        raise exc.to_slurm(source) from None


def check_body(body: Any, keys: Iterable[str], source: str) -> dict[str, Any]:
    """An object whose keys are among `keys` (or the envelope's).

    Raises:
        SlurmError: the body is not an object or has an unknown key.
    """
    if not isinstance(body, dict):
        raise SlurmError(Errno.DATA_EXPECTED_DICT, "body: expected object", source)
    allowed = set(keys) | set(_ENVELOPE)
    for name in body:
        if name not in allowed:
            raise SlurmError(Errno.DATA_PATH_NOT_FOUND, f"{name}: unknown field", source)
    return body


# --------------------------------------------------------------------------- v0.0.46 requests

_STRING, _INT, _NO_VAL = _SCALARS[id(v46.STRING)], _SCALARS[id(v46.INT)], _SCALARS[id(v46.NO_VAL)]
_STRINGS, _TRES_LIST = _SCALARS[id(v46.STRINGS)], _READERS[id(TRES_LIST)]

# v0.0.46_assoc_rec_set: the limits given to every association a *_add_cond creates.
ASSOC_REC_SET = Shape(
    Association,
    [
        row("comment", "comment", _STRING),
        row("defaultqos", "default_qos", _STRING),
        row("fairshare", "shares_raw", _INT),
        row("grpjobs", "grp_jobs", _NO_VAL),
        row("grpjobsaccrue", "grp_jobs_accrue", _NO_VAL),
        row("grpsubmitjobs", "grp_submit_jobs", _NO_VAL),
        row("grptres", "grp_tres", _TRES_LIST),
        row("grptresmins", "grp_tres_mins", _TRES_LIST),
        row("grptresrunmins", "grp_tres_run_mins", _TRES_LIST),
        row("grpwall", "grp_wall", _NO_VAL),
        row("maxjobs", "max_jobs", _NO_VAL),
        row("maxjobsaccrue", "max_jobs_accrue", _NO_VAL),
        row("maxsubmitjobs", "max_submit_jobs", _NO_VAL),
        row("maxtresminsperjob", "max_tres_mins_per_job", _TRES_LIST),
        row("maxtresperjob", "max_tres_per_job", _TRES_LIST),
        row("maxtrespernode", "max_tres_per_node", _TRES_LIST),
        row("maxtresrunmins", "max_tres_run_mins", _TRES_LIST),
        row("maxwalldurationperjob", "max_wall_per_job", _NO_VAL),
        row("minpriothresh", "min_priority_threshold", _NO_VAL),
        row("parent", "parent_account", _STRING),
        row("priority", "priority", _NO_VAL),
        row("qoslevel", "qos", _STRINGS),
    ],
)


@dataclass(frozen=True, slots=True)
class AddCondition:
    """v0.0.46_users_add_cond / accounts_add_cond: who gets associations where."""

    users: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    partitions: tuple[str, ...] = ()
    wckeys: tuple[str, ...] = ()
    association: Association | None = None

    def conditions(self) -> AssocConditions:
        return AssocConditions(
            self.clusters, self.accounts, self.partitions, self.association or Association()
        )


_CONDITION_ROWS = {
    "users": row("users", "users", _STRINGS),
    "accounts": row("accounts", "accounts", _STRINGS),
    "clusters": row("clusters", "clusters", _STRINGS),
    "partitions": row("partitions", "partitions", _STRINGS),
    "wckeys": row("wckeys", "wckeys", _STRINGS),
    "association": row("association", "association", nested(ASSOC_REC_SET)),
}
USERS_ADD_COND = Shape(AddCondition, _CONDITION_ROWS.values())
ACCOUNTS_ADD_COND = Shape(
    AddCondition, [_CONDITION_ROWS[k] for k in ("accounts", "association", "clusters")]
)


@dataclass(frozen=True, slots=True)
class UserShort:
    administrator_level: AdminLevel = AdminLevel.NOT_SET
    default_account: str | None = None
    default_qos: int | None = None
    default_wckey: str | None = None


USER_SHORT = Shape(
    UserShort,
    [
        row("adminlevel", "administrator_level", _SCALARS[id(v46.FLAG)]),
        row("defaultaccount", "default_account", _STRING),
        row("defaultqos", "default_qos", _INT),
        row("defaultwckey", "default_wckey", _STRING),
    ],
)


@dataclass(frozen=True, slots=True)
class AccountShort:
    description: str | None = None
    organization: str | None = None


ACCOUNT_SHORT = Shape(
    AccountShort,
    [row("description", "description", _STRING), row("organization", "organization", _STRING)],
)


def parse_add_cond(
    body: Any, record_key: str, record_shape: Shape[Any], cond_shape: Shape[Any], source: str
) -> tuple[AddCondition, Any]:
    """A *_association POST body: (association_condition, the user/account template).

    Raises:
        SlurmError: a DATA_* error naming the field that does not fit.
    """
    try:
        if not isinstance(body, dict):
            raise FieldError("body", "expected object", Errno.DATA_EXPECTED_DICT)
        for name in body:
            if name not in ("association_condition", record_key, *_ENVELOPE):
                raise FieldError(name, "unknown field", Errno.DATA_PATH_NOT_FOUND)
        if "association_condition" not in body:
            raise FieldError("association_condition", "missing", Errno.DATA_PARSE_NOTHING)
        condition = cond_shape.load(body["association_condition"], "association_condition")
        template = record_shape.load(body.get(record_key) or {}, record_key)
        return condition, template
    except FieldError as exc:
        raise exc.to_slurm(source) from None


def _exit_code(value: Any, name: str) -> int | None:
    """v0.0.46_process_exit_code_verbose -> a raw wait status."""
    if not isinstance(value, dict):
        raise FieldError(name, "expected object", Errno.DATA_EXPECTED_DICT)
    for key in value:
        if key not in ("status", "return_code", "signal"):
            raise FieldError(f"{name}.{key}", "unknown field", Errno.DATA_PATH_NOT_FOUND)
    statuses = v38.STRINGS.load(value.get("status", ["SUCCESS"]), f"{name}.status")
    try:
        status = ExitStatus(statuses[0] if statuses else "SUCCESS")
    except ValueError:
        raise FieldError(f"{name}.status", "expected an exit status") from None
    code = _no_val(value.get("return_code"), f"{name}.return_code")
    signal = value.get("signal") or {}
    if not isinstance(signal, dict):
        raise FieldError(f"{name}.signal", "expected object", Errno.DATA_EXPECTED_DICT)
    number = _no_val(signal.get("id"), f"{name}.signal.id")
    try:
        return join_exit_code(status, _whole(code), _whole(number))
    except ValueError as exc:
        raise FieldError(f"{name}.status", str(exc)) from None


def _whole(value: int | float | None) -> int | None:
    return None if value is None or value == INFINITE else int(value)


JOB_MODIFY = Shape(
    JobChanges,
    [
        row("comment/administrator", "comment_admin", _STRING),
        row("comment/job", "comment_job", _STRING),
        row("comment/system", "comment_system", _STRING),
        row("derived_exit_code", "derived_exit_code", Codec(lambda v: v, _exit_code)),
        row("extra", "extra", _STRING),
        row("tres/allocated", "tres_allocated", _TRES_LIST),
        row("wckey", "wckey", _STRING),
    ],
)


@dataclass(frozen=True, slots=True)
class JobsModify:
    job_ids: tuple[str, ...] = ()
    changes: JobChanges = field(default_factory=JobChanges)


JOBS_MODIFY = Shape(
    JobsModify,
    [
        row("job_id_list", "job_ids", _STRINGS),
        row("job_rec", "changes", nested(JOB_MODIFY, empty={})),
    ],
)


def parse_one(body: Any, shape: Shape[Any], source: str) -> Any:
    """A body that is one record of `shape` (meta/errors/warnings allowed beside).

    Raises:
        SlurmError: a DATA_* error naming the field that does not fit.
    """
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in _ENVELOPE}
    return shape.parse(body, source)


# --------------------------------------------------------------------------- query filters
# Known keys per API number (38: dbv0.0.38, 46: v0.0.46), as each version's
# document declares them; keys a version accepts but this store does not use
# (usage windows, federation, output formats) are accepted and ignored.

_ASSOC_KEYS = {
    38: ("cluster", "account", "user", "partition"),
    46: (
        "account", "cluster", "default_qos", "Include deleted associations", "Include usage",
        "Filter to only defaults", "Include the raw QOS or delta_qos",
        "Include sub acct information", "Exclude parent id/name", "Exclude limits from parents",
        "id", "parent_account", "partition", "qos", "usage_end", "usage_start", "user",
    ),
}  # fmt: skip


def assoc_filter(values: Mapping[str, Any], api: int, source: str) -> AssocFilter:
    query = Query(values, _ASSOC_KEYS[api], source)
    return AssocFilter(
        clusters=query.strings("cluster"),
        accounts=query.strings("account"),
        users=query.strings("user"),
        partitions=query.strings("partition"),
        ids=query.integers("id"),
        parent_accounts=query.strings("parent_account"),
        qos=query.strings("qos"),
        default_qos=query.strings("default_qos"),
        only_defaults=query.flag("Filter to only defaults"),
        with_deleted=query.flag("Include deleted associations"),
    )


@dataclass(frozen=True, slots=True)
class Detail:
    """Which parts of account/user records a v0.0.46 client asked for."""

    assocs: bool = True
    coords: bool = True
    wckeys: bool = True


_ACCOUNTS_KEYS = {
    38: ("with_deleted",),
    46: (
        "description", "DELETED", "WithAssociations", "WithCoordinators", "NoUsersAreCoords",
        "UsersAreCoords",
    ),
}  # fmt: skip


def account_filter(
    values: Mapping[str, Any], api: int, source: str
) -> tuple[AccountFilter, Detail]:
    query = Query(values, _ACCOUNTS_KEYS[api], source)
    if api == 38:
        return AccountFilter(with_deleted=query.flag("with_deleted")), Detail()
    wanted = AccountFilter(
        descriptions=query.strings("description"), with_deleted=query.flag("DELETED")
    )
    return wanted, Detail(query.flag("WithAssociations"), query.flag("WithCoordinators"), False)


def one_account_detail(values: Mapping[str, Any], api: int, source: str) -> tuple[bool, Detail]:
    """(with_deleted, detail) of GET /account/{name} and /user/{name}."""
    if api == 38:
        return Query(values, ("with_deleted",), source).flag("with_deleted"), Detail()
    keys = ("with_deleted", "with_assocs", "with_coords", "with_wckeys")
    query = Query(values, keys, source)
    detail = Detail(query.flag("with_assocs"), query.flag("with_coords"), query.flag("with_wckeys"))
    return query.flag("with_deleted"), detail


_USERS_KEYS = {
    38: ("with_deleted",),
    46: (
        "admin_level", "default_account", "default_wckey", "with_assocs", "with_coords",
        "with_deleted", "with_wckeys", "without_defaults",
    ),
}  # fmt: skip


def user_filter(values: Mapping[str, Any], api: int, source: str) -> tuple[UserFilter, Detail]:
    query = Query(values, _USERS_KEYS[api], source)
    if api == 38:
        return UserFilter(with_deleted=query.flag("with_deleted")), Detail()
    levels = []
    for text in query.strings("admin_level"):
        try:
            levels.append(AdminLevel(text))
        except ValueError:
            raise query.bad("admin_level", text, "an admin level") from None
    wanted = UserFilter(
        admin_levels=tuple(levels),
        default_accounts=query.strings("default_account"),
        default_wckeys=query.strings("default_wckey"),
        with_deleted=query.flag("with_deleted"),
    )
    detail = Detail(query.flag("with_assocs"), query.flag("with_coords"), query.flag("with_wckeys"))
    return wanted, detail


def qos_filter(values: Mapping[str, Any], api: int, source: str) -> QosFilter:
    if api == 38:
        return QosFilter(with_deleted=Query(values, ("with_deleted",), source).flag("with_deleted"))
    keys = ("description", "Include deleted QOS", "id", "name", "preempt_mode", "with_deleted")
    query = Query(values, keys, source)
    return QosFilter(
        names=query.strings("name"),
        ids=query.integers("id"),
        descriptions=query.strings("description"),
        preempt_modes=query.strings("preempt_mode"),
        with_deleted=query.flag("Include deleted QOS") or query.flag("with_deleted"),
    )


_WCKEY_KEYS = {
    38: (),
    46: (
        "cluster", "id", "name", "only_defaults", "usage_end", "usage_start", "user",
        "with_usage", "with_deleted",
    ),
}  # fmt: skip


# 22.05 lists deleted wckeys too, always (its wckey condition sets with_deleted).
_WCKEYS_WITH_DELETED = {38: True, 46: False}


def wckey_filter(values: Mapping[str, Any], api: int, source: str) -> WCKeyFilter:
    query = Query(values, _WCKEY_KEYS[api], source)
    return WCKeyFilter(
        names=query.strings("name"),
        ids=query.integers("id"),
        users=query.strings("user"),
        clusters=query.strings("cluster"),
        only_defaults=query.flag("only_defaults"),
        with_deleted=_WCKEYS_WITH_DELETED[api] or query.flag("with_deleted"),
    )


def one_wckey_filter(value: str, api: int, *, reading: bool = True) -> WCKeyFilter:
    """/wckey/{value}: dbv0.0.38 names a wckey, v0.0.46 gives its id; a read (not a
    removal) in dbv0.0.38 finds deleted ones too."""
    if api != 38 and value.isascii() and value.isdigit():
        return WCKeyFilter(ids=(int(value),))
    return WCKeyFilter(names=(value,), with_deleted=reading and _WCKEYS_WITH_DELETED[api])


_CLUSTER_KEYS = (
    "classification", "cluster", "federation", "flags", "rpc_version", "usage_end",
    "usage_start", "with_deleted", "with_usage", "update_time",
)  # fmt: skip


def cluster_filter(values: Mapping[str, Any], api: int, source: str) -> ClusterFilter:
    query = Query(values, _CLUSTER_KEYS if api > 38 else (), source)
    return ClusterFilter(
        names=query.strings("cluster"),
        flags=query.strings("flags"),
        rpc_versions=query.integers("rpc_version"),
        with_deleted=query.flag("with_deleted"),
    )


def instance_filter(values: Mapping[str, Any], source: str) -> InstanceFilter:
    keys = (
        "cluster",
        "extra",
        "instance_id",
        "instance_type",
        "node_list",
        "time_end",
        "time_start",
    )
    query = Query(values, keys, source)
    return InstanceFilter(
        clusters=query.strings("cluster"),
        extra=query.strings("extra"),
        instance_ids=query.strings("instance_id"),
        instance_types=query.strings("instance_type"),
        node_names=query.strings("node_list"),
        time_start=query.time("time_start"),
        time_end=query.time("time_end"),
    )


_JOB_KEYS = {
    38: (
        "submit_time", "start_time", "end_time", "account", "association", "cluster",
        "constraints", "cpus_max", "cpus_min", "skip_steps", "disable_wait_for_result",
        "exit_code", "format", "group", "job_name", "nodes_max", "nodes_min", "partition", "qos",
        "reason", "reservation", "state", "step", "node", "wckey",
    ),
    46: (
        "account", "association", "cluster", "constraints", "scheduler_unset",
        "scheduled_on_submit", "scheduled_by_main", "scheduled_by_backfill", "job_started",
        "job_altered", "exit_code", "show_duplicates", "skip_steps",
        "disable_truncate_usage_time", "whole_hetjob", "disable_whole_hetjob",
        "disable_wait_for_result", "usage_time_as_submit_time", "show_batch_script",
        "show_job_environment", "groups", "job_name", "partition", "qos", "reason",
        "reservation", "reservation_id", "state", "step", "end_time", "start_time", "node",
        "users", "wckey",
    ),
}  # fmt: skip


def job_filter(values: Mapping[str, Any], api: int, source: str) -> JobFilter:
    """sacct's options from a /jobs query (22.05 names some of them differently)."""
    query = Query(values, _JOB_KEYS[api], source)
    return JobFilter(
        start_time=query.time("start_time"),
        end_time=query.time("end_time"),
        submit_time=query.time("submit_time") if api == 38 else None,
        job_ids=query.strings("step"),
        users=query.strings("users") if api > 38 else (),
        groups=query.strings("group" if api == 38 else "groups"),
        accounts=query.strings("account"),
        association_ids=query.integers("association"),
        clusters=query.strings("cluster"),
        partitions=query.strings("partition"),
        qos=query.strings("qos"),
        states=tuple(s.upper() for s in query.strings("state")),
        job_names=query.strings("job_name"),
        nodes=query.strings("node"),
        reasons=query.strings("reason"),
        reservations=query.strings("reservation"),
        reservation_ids=query.integers("reservation_id") if api > 38 else (),
        wckeys=query.strings("wckey"),
        constraints=query.strings("constraints"),
        cpus_min=query.integer("cpus_min") if api == 38 else None,
        cpus_max=query.integer("cpus_max") if api == 38 else None,
        nodes_min=query.integer("nodes_min") if api == 38 else None,
        nodes_max=query.integer("nodes_max") if api == 38 else None,
        exit_code=query.integer("exit_code"),
        skip_steps=query.flag("skip_steps"),
    )
