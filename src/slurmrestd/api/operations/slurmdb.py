"""/slurmdb/{version}/ operations: slurmdbd's records through the backend's AccountingStore.

Handlers are version-neutral: a Kind says how each record kind is keyed and
rendered per API number, slurmdb_requests turns queries and bodies into
filters and records. The 22.05 generation (API 38) keeps what the real daemon
did (captures under shared/reference/slurm-22.05): an empty answer is a 9003
"Nothing found" error, except for jobs (reported, status 200) and QOS
(silent); newer versions warn instead, as upstream's db_query_list does.
Its POST bodies are read, reported and refused as 22.05 did too
(dbv0_0_38/requests.py), whatever came: an object, a list or a string.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from slurmrestd.api import schema
from slurmrestd.api.call import OperationCall
from slurmrestd.api.operations import slurmdb_requests as requests
from slurmrestd.api.prerendered import RenderCache
from slurmrestd.api.versions.dbv0_0_38 import accounts as accounts_38
from slurmrestd.api.versions.dbv0_0_38 import associations as assocs_38
from slurmrestd.api.versions.dbv0_0_38 import clusters as clusters_38
from slurmrestd.api.versions.dbv0_0_38 import diag as diag_38
from slurmrestd.api.versions.dbv0_0_38 import jobs as jobs_38
from slurmrestd.api.versions.dbv0_0_38 import qos as qos_38
from slurmrestd.api.versions.dbv0_0_38 import requests as requests_38
from slurmrestd.api.versions.dbv0_0_38 import tres as tres_38
from slurmrestd.api.versions.dbv0_0_38 import users as users_38
from slurmrestd.api.versions.dbv0_0_38 import wckeys as wckeys_38
from slurmrestd.api.versions.dbv0_0_38.shape import Shape
from slurmrestd.api.versions.request import PROBLEM_ERRNO
from slurmrestd.api.versions.v0_0_40 import slurmdb as slurmdb_40
from slurmrestd.api.versions.v0_0_41 import slurmdb as slurmdb_41
from slurmrestd.api.versions.v0_0_42 import slurmdb as slurmdb_42
from slurmrestd.api.versions.v0_0_43 import slurmdb as slurmdb_43
from slurmrestd.api.versions.v0_0_44 import slurmdb as slurmdb_44
from slurmrestd.api.versions.v0_0_45 import slurmdb as slurmdb_45
from slurmrestd.api.versions.v0_0_46 import slurmdb_accounts as accounts_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_associations as assocs_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_clusters as clusters_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_diag as diag_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_instances as instances_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_jobs as jobs_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_qos as qos_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_tres as tres_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_users as users_46
from slurmrestd.api.versions.v0_0_46 import slurmdb_wckeys as wckeys_46
from slurmrestd.cluster.accounting import (
    AccountFilter,
    AccountingStore,
    ConfigDump,
    UserFilter,
    WCKeyFilter,
)
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.model.accounting import Account, AdminLevel, User

_LEGACY = 38
# v0.0.40 ... v0.0.45: their record shapes (ACCOUNT, USER, ..., STATS) and bodies.
_BETWEEN: dict[int, Any] = {
    40: slurmdb_40,
    41: slurmdb_41,
    42: slurmdb_42,
    43: slurmdb_43,
    44: slurmdb_44,
    45: slurmdb_45,
}
# API number -> the generation whose query keys and payload keys it shares.
_SERVED = {38: 38, **{api: 46 for api in _BETWEEN}, 46: 46}
Handler = Callable[[OperationCall], Any]


class Empty:
    """What 22.05 made of an empty answer."""

    ERROR = "error"  # 9003 "Nothing found": HTTP 500
    REPORTED = "reported"  # the same error object, but HTTP 200 (jobs)
    SILENT = "silent"  # nothing (QOS: 22.05 filtered the full list itself)


@dataclass(frozen=True, slots=True)
class Kind:
    """One record kind: payload key and renderer per API number, how 22.05 said "none"."""

    keys: dict[int, str]
    renderers: dict[int, Callable[[Any], dict[str, Any]]]
    source: str  # the slurmdb call that lists them
    empty: str = Empty.ERROR
    # Per API number: each record's JSON kept while it is unchanged (long lists: jobs).
    rendered: dict[int, RenderCache[Any]] | None = None


def _kind(
    key38: str, key46: str, render38: Any, render46: Any, source: str, shape: str, **kw: Any
) -> Kind:
    """`shape`: the record's name in the v0.0.40 ... v0.0.45 modules (keyed as v0.0.46)."""
    keys = {38: key38, **{api: key46 for api in _BETWEEN}, 46: key46}
    between = {api: getattr(module, shape).render for api, module in _BETWEEN.items()}
    return Kind(keys, {38: render38, **between, 46: render46}, source, **kw)


ACCOUNTS = _kind(
    "accounts", "accounts", accounts_38.render_account, accounts_46.render_account,
    "slurmdb_accounts_get", "ACCOUNT",
)  # fmt: skip
USERS = _kind(
    "users", "users", users_38.render_user, users_46.render_user, "slurmdb_users_get", "USER"
)
ASSOCS = _kind(
    "associations", "associations", assocs_38.render_association, assocs_46.render_assoc,
    "slurmdb_associations_get", "ASSOCIATION",
)  # fmt: skip
QOS = _kind(
    "QOS", "qos", qos_38.render_qos, qos_46.render_qos, "slurmdb_qos_get", "QOS",
    empty=Empty.SILENT,
)  # fmt: skip
TRES = _kind("TRES", "TRES", tres_38.render_tres, tres_46.render_tres, "slurmdb_tres_get", "TRES")
CLUSTERS = _kind(
    "clusters", "clusters", clusters_38.render_cluster, clusters_46.render_cluster,
    "slurmdb_clusters_get", "CLUSTER",
)  # fmt: skip
WCKEYS = _kind(
    "wckeys", "wckeys", wckeys_38.render_wckey, wckeys_46.render_wckey, "slurmdb_wckeys_get",
    "WCKEY",
)  # fmt: skip
JOBS = _kind(
    "jobs", "jobs", jobs_38.render_job, jobs_46.render_job, "slurmdb_jobs_get", "JOB",
    empty=Empty.REPORTED,
)  # fmt: skip
JOBS = dataclasses.replace(
    JOBS,
    rendered={api: RenderCache(r, attrgetter("job_id")) for api, r in JOBS.renderers.items()},
)
INSTANCES = Kind(
    {**{api: "instances" for api in _BETWEEN}, 46: "instances"},
    {**{api: m.INSTANCE.render for api, m in _BETWEEN.items()}, 46: instances_46.render_instance},
    "slurmdb_instances_get",
)
# GET /diag's "statistics" per API number.
_DIAG_RENDERERS: dict[int, Callable[[Any], dict[str, Any]]] = {
    38: diag_38.render_diag,
    **{api: m.STATS.render for api, m in _BETWEEN.items()},
    46: diag_46.render_stats,
}

# POST bodies: kind -> (accepted keys, record shape). dbv0.0.38 reads its keys as
# 22.05 did (requests_38.RULES: "QOS" only, TRES never).
_BODIES: dict[int, dict[str, tuple[tuple[str, ...], Shape[Any]]]] = {
    38: {
        "accounts": (("accounts",), accounts_38.ACCOUNT),
        "users": (("users",), users_38.USER),
        "associations": (("associations",), assocs_38.ASSOCIATION),
        "qos": (("QOS",), qos_38.QOS_SHAPE),
        "tres": (("TRES",), tres_38.TRES),
        "wckeys": (("wckeys",), wckeys_38.WCKEY),
        "clusters": (("clusters",), clusters_38.CLUSTER),
    },
    46: {
        "accounts": (("accounts",), requests.ACCOUNT_PARSE),
        "users": (("users",), requests.USER_PARSE),
        "associations": (("associations",), requests.ASSOCIATION_PARSE),
        "qos": (("qos",), requests.QOS_PARSE),
        "tres": (("TRES",), requests.TRES_PARSE),
        "wckeys": (("wckeys",), requests.WCKEY_PARSE),
        "clusters": (("clusters",), requests.CLUSTER_PARSE),
    },
}
# Each of v0.0.45 ... v0.0.40 from its newer neighbour's bodies.
_BODIES[45] = slurmdb_45.request_bodies(_BODIES[46])
_BODIES[44] = slurmdb_44.request_bodies(_BODIES[45])
_BODIES[43] = slurmdb_43.request_bodies(_BODIES[44])
_BODIES[42] = slurmdb_42.request_bodies(_BODIES[43])
_BODIES[41] = slurmdb_41.request_bodies(_BODIES[42])
_BODIES[40] = slurmdb_40.request_bodies(_BODIES[41])


def _api(call: OperationCall) -> int:
    if call.api_number not in _SERVED:
        raise SlurmError(
            Errno.NOT_IMPLEMENTED, f"slurmdb is not available in {call.version} yet", call.version
        )
    return _SERVED[call.api_number]


def _store(call: OperationCall) -> AccountingStore:
    store = getattr(call.cluster, "accounting", None)
    if store is None:
        raise SlurmError(Errno.DB_CONNECTION, "this cluster keeps no accounting", "slurmdbd")
    return store


def _param(call: OperationCall) -> str:
    """The one path parameter (its name differs between versions)."""
    return str(next(iter(call.params.values())))


def _nothing_found(call: OperationCall, source: str, empty: str = Empty.ERROR) -> None:
    if call.api_number > _LEGACY:
        call.envelope.warn(f"{source}() found nothing", source)
    elif empty == Empty.ERROR:
        call.envelope.error(Errno.REST_EMPTY_RESULT, "Nothing found", source)
    elif empty == Empty.REPORTED:
        errno = int(Errno.REST_EMPTY_RESULT)
        item = {
            "description": "Nothing found",
            "error_number": errno,
            "error": error_text(errno),
            "source": source,
        }
        call.envelope.entry(item, None)


def _payload(call: OperationCall, kind: Kind, records: list[Any]) -> dict[str, Any]:
    key = kind.keys[call.api_number]
    if kind.rendered is not None:
        return {key: kind.rendered[call.api_number].array(records)}
    render = kind.renderers[call.api_number]
    return {key: [render(r) for r in records]}


async def _answer(
    call: OperationCall, kind: Kind, fetch: Callable[[], list[Any]]
) -> dict[str, Any]:
    """The kind's list (empty with the error when the store refuses, as 22.05 answered)."""
    if call.api_number not in kind.renderers:
        raise SlurmError(Errno.NOT_IMPLEMENTED, f"not available in {call.version}", kind.source)
    try:
        records = await call.read(fetch)
    except SlurmError as exc:
        call.envelope.add_slurm_error(exc)
        return _payload(call, kind, [])
    if not records:
        _nothing_found(call, kind.source, kind.empty)
    if kind.rendered is not None:  # a long list: rendered off the event loop
        return await call.run_blocking(_payload, call, kind, records)
    return _payload(call, kind, records)


def _trim_account(account: Account, detail: requests.Detail) -> Account:
    return dataclasses.replace(
        account,
        associations=account.associations if detail.assocs else (),
        coordinators=account.coordinators if detail.coords else (),
    )


def _trim_user(user: User, detail: requests.Detail) -> User:
    return dataclasses.replace(
        user,
        associations=user.associations if detail.assocs else (),
        coordinators=user.coordinators if detail.coords else (),
        wckeys=user.wckeys if detail.wckeys else (),
    )


# Reads ---------------------------------------------------------------------------------


async def get_accounts(call: OperationCall) -> dict[str, Any]:
    query, detail = requests.account_filter(call.query, _api(call), ACCOUNTS.source)
    store = _store(call)
    fetch = store.accounts
    return await _answer(
        call, ACCOUNTS, lambda: [_trim_account(a, detail) for a in fetch(call.identity, query)]
    )


async def get_account(call: OperationCall) -> dict[str, Any]:
    with_deleted, detail = requests.one_account_detail(call.query, _api(call), ACCOUNTS.source)
    query = AccountFilter(names=(_param(call),), with_deleted=with_deleted)
    fetch = _store(call).accounts
    return await _answer(
        call, ACCOUNTS, lambda: [_trim_account(a, detail) for a in fetch(call.identity, query)]
    )


async def get_users(call: OperationCall) -> dict[str, Any]:
    query, detail = requests.user_filter(call.query, _api(call), USERS.source)
    fetch = _store(call).users
    return await _answer(
        call, USERS, lambda: [_trim_user(u, detail) for u in fetch(call.identity, query)]
    )


async def get_user(call: OperationCall) -> dict[str, Any]:
    with_deleted, detail = requests.one_account_detail(call.query, _api(call), USERS.source)
    query = UserFilter(names=(_param(call),), with_deleted=with_deleted)
    fetch = _store(call).users
    return await _answer(
        call, USERS, lambda: [_trim_user(u, detail) for u in fetch(call.identity, query)]
    )


async def get_associations(call: OperationCall) -> dict[str, Any]:
    query = requests.assoc_filter(call.query, _api(call), ASSOCS.source)
    store = _store(call)
    return await _answer(call, ASSOCS, lambda: store.associations(call.identity, query))


async def get_qos(call: OperationCall) -> dict[str, Any]:
    query = requests.qos_filter(call.query, _api(call), QOS.source)
    store = _store(call)
    return await _answer(call, QOS, lambda: store.qos_list(call.identity, query))


async def get_single_qos(call: OperationCall) -> dict[str, Any]:
    query = requests.qos_filter(call.query, _api(call), QOS.source)
    query = dataclasses.replace(query, names=(_param(call),))
    store = _store(call)
    return await _answer(call, QOS, lambda: store.qos_list(call.identity, query))


async def get_tres(call: OperationCall) -> dict[str, Any]:
    requests.Query(call.query, (), TRES.source)
    _api(call)
    store = _store(call)
    return await _answer(call, TRES, lambda: store.tres_list(call.identity))


async def get_clusters(call: OperationCall) -> dict[str, Any]:
    query = requests.cluster_filter(call.query, _api(call), CLUSTERS.source)
    store = _store(call)
    return await _answer(call, CLUSTERS, lambda: store.clusters(call.identity, query))


async def get_cluster(call: OperationCall) -> dict[str, Any]:
    query = requests.cluster_filter(call.query, _api(call), CLUSTERS.source)
    query = dataclasses.replace(query, names=(_param(call),))
    store = _store(call)
    return await _answer(call, CLUSTERS, lambda: store.clusters(call.identity, query))


async def get_wckeys(call: OperationCall) -> dict[str, Any]:
    query = requests.wckey_filter(call.query, _api(call), WCKEYS.source)
    store = _store(call)
    return await _answer(call, WCKEYS, lambda: store.wckeys(call.identity, query))


async def get_wckey(call: OperationCall) -> dict[str, Any]:
    requests.Query(call.query, (), WCKEYS.source)
    _api(call)
    # 22.05 lists a deleted wckey too (asked by name); v0.0.46 takes an id.
    query, store = requests.one_wckey_filter(_param(call), _api(call)), _store(call)
    return await _answer(call, WCKEYS, lambda: store.wckeys(call.identity, query))


async def get_instances(call: OperationCall) -> dict[str, Any]:
    _api(call)
    query = requests.instance_filter(call.query, INSTANCES.source)
    store = _store(call)
    return await _answer(call, INSTANCES, lambda: store.instances(call.identity, query))


async def get_jobs(call: OperationCall) -> dict[str, Any]:
    query = requests.job_filter(call.query, _api(call), JOBS.source)
    store = _store(call)
    return await _answer(call, JOBS, lambda: store.jobs(call.identity, query))


async def get_job(call: OperationCall) -> dict[str, Any]:
    requests.Query(call.query, (), JOBS.source)
    _api(call)
    job_id, store = _param(call), _store(call)
    return await _answer(call, JOBS, lambda: store.job(call.identity, job_id))


async def get_diag(call: OperationCall) -> dict[str, Any]:
    _api(call)
    stats = await call.read(_store(call).diag, call.identity)
    render = _DIAG_RENDERERS[call.api_number]
    return {"statistics": render(stats)}


async def get_ping(call: OperationCall) -> dict[str, Any]:
    _api(call)
    ping = await call.read(_store(call).ping, call.identity)
    row = {
        "hostname": ping.hostname,
        "responding": ping.responding,
        "latency": ping.latency_us,
        "primary": ping.primary,
        "status": "UP" if ping.responding else "DOWN",
    }
    return {"pings": [row]}


async def get_conf(call: OperationCall) -> dict[str, Any]:
    _api(call)
    conf = await call.read(_store(call).dbd_config, call.identity)
    body: dict[str, Any] = {
        "DbdHost": conf.dbd_host,
        "StorageLoc": conf.storage_loc,
        "TrackWCKey": conf.track_wckey,
    }
    if conf.default_qos:
        body["DefaultQOS"] = conf.default_qos
    return {"slurmdbd_conf": body}


# The order the 22.05 capture GET_slurmdb_v0.0.38_config lists the parts in.
_CONFIG_PARTS = (
    ("clusters", CLUSTERS),
    ("tres", TRES),
    ("accounts", ACCOUNTS),
    ("users", USERS),
    ("qos", QOS),
    ("wckeys", WCKEYS),
    ("associations", ASSOCS),
)


async def get_config(call: OperationCall) -> dict[str, Any]:
    api = _api(call)
    dump: ConfigDump = await call.read(_store(call).config, call.identity)
    for problem in dump.problems:
        call.envelope.add_slurm_error(problem)
    if api == _LEGACY and not dump.wckeys and not dump.problems:
        _nothing_found(call, WCKEYS.source, Empty.REPORTED)  # 22.05: reported, still 200
    refused = {p.source for p in dump.problems}
    payload: dict[str, Any] = {}
    for attr, kind in _CONFIG_PARTS:
        key = kind.keys[api] if api == _LEGACY else attr
        payload[key] = _payload(call, kind, list(getattr(dump, attr)))[kind.keys[api]]
        if api == _LEGACY and kind.source in refused:
            break  # 22.05 stopped at the first refused part (..._config__not_admin)
    return payload


# Writes --------------------------------------------------------------------------------


# v0.0.40+: each kind's POST body schema (after the version prefix). Checked first, so that
# enum values (flags) and types are those of the version's document before records are stored.
_BODY_SCHEMAS = {
    "accounts": "openapi_accounts_resp",
    "users": "openapi_users_resp",
    "associations": "openapi_assocs_resp",
    "qos": "openapi_slurmdbd_qos_resp",
    "tres": "openapi_tres_resp",
    "wckeys": "openapi_wckey_resp",
    "clusters": "openapi_clusters_resp",
}
# 22.05's schema leaves flags free text; the store keeps the names the newest version
# lists, and every version renders stored flags, so other names are refused.
_FLAG_SCHEMAS = {
    "accounts": "v0.0.46_account",
    "users": "v0.0.46_user",
    "associations": "v0.0.46_assoc",
    "qos": "v0.0.46_qos",
    "wckeys": "v0.0.46_wckey",
    "clusters": "v0.0.46_cluster_rec",
}


def _checked_body(call: OperationCall, kind: str, body: Any, source: str) -> Any:
    """The body as the version's schema reads it (enum case, numbers in strings, nulls).

    Raises:
        SlurmError: a DATA_* error naming the first field that does not fit.
    """
    name = f"{call.version}_{_BODY_SCHEMAS[kind]}"
    result = schema.check(call.version, name, body)
    if result.errors:
        first = result.errors[0]
        raise SlurmError(PROBLEM_ERRNO[first.kind], str(first), source)
    for problem in result.warnings:
        call.envelope.warn(str(problem), source)
    return result.value


def _known_flags(records: tuple[Any, ...], kind: str, key: str, source: str) -> None:
    allowed = (
        schema.item_enum("v0.0.46", _FLAG_SCHEMAS[kind], "flags") if kind in _FLAG_SCHEMAS else ()
    )
    for index, record in enumerate(records):
        for flag in getattr(record, "flags", ()) if allowed else ():
            if flag not in allowed:
                raise SlurmError(
                    Errno.REST_FAIL_PARSING, f"{key}[{index}]/flags: unknown flag {flag!r}", source
                )


def _read_legacy(kind: str, body: Any, source: str) -> requests_38.ListRead[Any]:
    """A dbv0.0.38 body as 22.05 read it for `kind` (any body: see requests_38).

    Raises:
        SlurmError: a field of an object item does not fit, or an unknown flag.
    """
    rule = requests_38.RULES[kind]
    read = requests_38.read_list(body, rule, _BODIES[_LEGACY][kind][1], source)
    _known_flags(read.records, kind, rule.key, source)
    return read


def _records(call: OperationCall, kind: str, body: Any, source: str) -> tuple[Any, ...]:
    keys, shape = _BODIES[call.api_number][kind]
    present = next((k for k in keys if isinstance(body, dict) and k in body), keys[0])
    requests.parse_records(body, present, shape, source)  # its errors name fields as before
    body = _checked_body(call, kind, body, source)
    records = requests.parse_records(body, present, shape, source)
    if kind == "users":
        # A v0.0.46 user without administrator_level keeps the level it has.
        raw = body[present]
        records = tuple(
            u
            if "administrator_level" in item
            else dataclasses.replace(u, administrator_level=AdminLevel.NOT_SET)
            for u, item in zip(records, raw, strict=True)
        )
    return records


def _has_assocs(item: Any) -> bool:
    return isinstance(item, dict) and bool(item.get("associations"))


async def _post_legacy(call: OperationCall, kind: str, method: str, source: str) -> None:
    """22.05's POST: what it could not read is reported; some kinds still add (200)."""
    store = _store(call)
    if kind == "tres":  # 22.05 releases refused every TRES body (500)
        item = requests_38.entry(Errno.NOT_SUPPORTED, requests_38.TEXT_TRES_UNSUPPORTED)
        call.envelope.entry(item, Errno.NOT_SUPPORTED)
        return
    read = _read_legacy(kind, call.query_as_sent(), source)
    if read.stopped:
        call.envelope.entries(list(read.reported), Errno.REST_INVALID_QUERY)
        return
    for item in read.reported:
        call.envelope.entry(item, None)
    await call.run_blocking(getattr(store, method), call.identity, read.records)


def _post(kind: str, method: str, source: str) -> Handler:
    async def handler(call: OperationCall) -> dict[str, Any]:
        _api(call)
        if call.api_number == _LEGACY:
            await _post_legacy(call, kind, method, source)
            return {}
        store = _store(call)
        records = _records(call, kind, call.query, source)
        if kind == "accounts" and any(_has_assocs(item) for item in call.query["accounts"]):
            call.envelope.warn("associations of an account are set with POST /associations", source)
        await call.run_blocking(getattr(store, method), call.identity, records)
        return {}

    return handler


post_accounts = _post("accounts", "add_accounts", "slurmdb_accounts_add")
post_users = _post("users", "add_users", "slurmdb_users_add")
post_associations = _post("associations", "add_associations", "slurmdb_associations_add")
post_qos = _post("qos", "add_qos", "slurmdb_qos_add")
post_tres = _post("tres", "add_tres", "slurmdb_tres_add")
post_wckeys = _post("wckeys", "add_wckeys", "slurmdb_wckeys_add")
post_clusters = _post("clusters", "add_clusters", "slurmdb_clusters_add")


async def post_accounts_association(call: OperationCall) -> dict[str, Any]:
    _api(call)
    source = "slurmdb_accounts_add_cond"
    cond, short = requests.parse_add_cond(
        call.query, "account", requests.ACCOUNT_SHORT, requests.ACCOUNTS_ADD_COND, source
    )
    if not cond.accounts:
        raise SlurmError(Errno.DATA_PARSE_NOTHING, "association_condition.accounts: empty", source)
    accounts = [Account(name, short.description, short.organization) for name in cond.accounts]
    store = _store(call)
    added = await call.run_blocking(
        store.add_accounts_with_assocs, call.identity, accounts, cond.conditions()
    )
    return {"added_accounts": ",".join(added)}


async def post_users_association(call: OperationCall) -> dict[str, Any]:
    _api(call)
    source = "slurmdb_users_add_cond"
    cond, short = requests.parse_add_cond(
        call.query, "user", requests.USER_SHORT, requests.USERS_ADD_COND, source
    )
    if not cond.users:
        raise SlurmError(Errno.DATA_PARSE_NOTHING, "association_condition.users: empty", source)
    users = [
        User(
            name,
            administrator_level=short.administrator_level,
            default_account=short.default_account,
            default_wckey=short.default_wckey,
            default_qos=short.default_qos,
        )
        for name in cond.users
    ]
    store = _store(call)
    added = await call.run_blocking(
        store.add_users_with_assocs, call.identity, users, cond.conditions(), cond.wckeys
    )
    return {"added_users": ",".join(added)}


_CONFIG_KEYS = {"clusters": "clusters", "tres": "tres", "accounts": "accounts",
                "users": "users", "qos": "qos", "wckeys": "wckeys",
                "associations": "associations"}  # fmt: skip
# 22.05 loaded a config kind by kind in this order (TRES between clusters and accounts
# was skipped), stopping at the first kind that stopped, and then committed nothing.
_CONFIG_ORDER_38 = ("clusters", "accounts", "users", "qos", "wckeys", "associations")


async def _post_config_legacy(call: OperationCall, source: str) -> None:
    store = _store(call)
    parts: dict[str, tuple[Any, ...]] = {}
    for kind in _CONFIG_ORDER_38:
        read = _read_legacy(kind, call.query_as_sent(), source)
        for item in read.reported:
            call.envelope.entry(item, None)
        if read.stopped:
            refusal = requests_38.entry(Errno.REST_INVALID_QUERY, requests_38.TEXT_REFUSE_COMMIT)
            call.envelope.entry(refusal, Errno.REST_INVALID_QUERY)
            return
        parts[kind] = read.records
    await call.run_blocking(store.load_config, call.identity, ConfigDump(**parts))


async def post_config(call: OperationCall) -> dict[str, Any]:
    api = _api(call)
    source = "slurmdb_config_load"
    if api == _LEGACY:
        await _post_config_legacy(call, source)
        return {}
    body = requests.check_body(call.query, _CONFIG_KEYS, source)
    parts: dict[str, tuple[Any, ...]] = {}
    for key, attr in _CONFIG_KEYS.items():
        if key in body:
            body_key = _BODIES[api][attr][0][0]
            parts[attr] = _records(call, attr, {body_key: body[key]}, source)
    store = _store(call)
    await call.run_blocking(store.load_config, call.identity, ConfigDump(**parts))
    return {}


async def post_job(call: OperationCall) -> dict[str, Any]:
    _api(call)
    changes = requests.parse_one(call.query, requests.JOB_MODIFY, "slurmdb_job_modify")
    store = _store(call)
    changed = await call.run_blocking(store.modify_jobs, call.identity, [_param(call)], changes)
    return {"results": changed}


async def post_jobs(call: OperationCall) -> dict[str, Any]:
    _api(call)
    source = "slurmdb_job_modify"
    request = requests.parse_one(call.query, requests.JOBS_MODIFY, source)
    if not request.job_ids:
        raise SlurmError(Errno.DATA_PARSE_NOTHING, "job_id_list: empty", source)
    store = _store(call)
    changed = await call.run_blocking(
        store.modify_jobs, call.identity, list(request.job_ids), request.changes
    )
    return {"results": changed}


Target = Callable[[OperationCall, str], Any]


def _delete(method: str, keys: dict[int, str | None], source: str, target: Target) -> Handler:
    """A removal: the names removed under the version's key (None: not listed)."""

    async def handler(call: OperationCall) -> dict[str, Any]:
        api = _api(call)
        what = target(call, source)
        removed = await call.run_blocking(getattr(_store(call), method), call.identity, what)
        if not removed:
            _nothing_found(call, source)
        key = keys[api]
        return {key: removed} if key else {}

    return handler


def _named(call: OperationCall, source: str) -> str:
    requests.Query(call.query, (), source)
    return _param(call)


def _assocs_queried(call: OperationCall, source: str) -> Any:
    return requests.assoc_filter(call.query, _api(call), source)


def _wckey_named(call: OperationCall, source: str) -> WCKeyFilter:
    requests.Query(call.query, (), source)
    return requests.one_wckey_filter(_param(call), _api(call), reading=False)


delete_account = _delete(
    "delete_account", {38: "removed_associations", 46: "removed_accounts"},
    "slurmdb_accounts_remove", _named,
)  # fmt: skip
delete_user = _delete(
    "delete_user", {38: "removed_users", 46: None}, "slurmdb_users_remove", _named
)
delete_associations = _delete(
    "delete_associations", {38: "removed_associations", 46: "removed_associations"},
    "slurmdb_associations_remove", _assocs_queried,
)  # fmt: skip
delete_qos = _delete(
    "delete_qos", {38: "removed_qos", 46: "removed_qos"}, "slurmdb_qos_remove", _named
)
delete_wckey = _delete(
    "delete_wckeys", {38: "removed_wckeys", 46: "deleted_wckeys"}, "slurmdb_wckeys_remove",
    _wckey_named,
)  # fmt: skip
delete_cluster = _delete(
    "delete_cluster", {38: "removed_clusters", 46: "deleted_clusters"},
    "slurmdb_clusters_remove", _named,
)  # fmt: skip


SLURMDB_OPERATIONS: dict[tuple[str, str], Handler] = {
    ("GET", "/slurmdb/*/accounts"): get_accounts,
    ("POST", "/slurmdb/*/accounts"): post_accounts,
    ("POST", "/slurmdb/*/accounts_association"): post_accounts_association,
    ("GET", "/slurmdb/*/account/{account_name}"): get_account,
    ("DELETE", "/slurmdb/*/account/{account_name}"): delete_account,
    ("GET", "/slurmdb/*/users"): get_users,
    ("POST", "/slurmdb/*/users"): post_users,
    ("POST", "/slurmdb/*/users_association"): post_users_association,
    ("GET", "/slurmdb/*/user/{user_name}"): get_user,
    ("DELETE", "/slurmdb/*/user/{user_name}"): delete_user,
    ("GET", "/slurmdb/*/user/{name}"): get_user,
    ("DELETE", "/slurmdb/*/user/{name}"): delete_user,
    ("GET", "/slurmdb/*/associations"): get_associations,
    ("POST", "/slurmdb/*/associations"): post_associations,
    ("DELETE", "/slurmdb/*/associations"): delete_associations,
    ("GET", "/slurmdb/*/association"): get_associations,
    ("DELETE", "/slurmdb/*/association"): delete_associations,
    ("GET", "/slurmdb/*/qos"): get_qos,
    ("POST", "/slurmdb/*/qos"): post_qos,
    ("GET", "/slurmdb/*/qos/{qos_name}"): get_single_qos,
    ("DELETE", "/slurmdb/*/qos/{qos_name}"): delete_qos,
    ("GET", "/slurmdb/*/qos/{qos}"): get_single_qos,
    ("DELETE", "/slurmdb/*/qos/{qos}"): delete_qos,
    ("GET", "/slurmdb/*/tres"): get_tres,
    ("POST", "/slurmdb/*/tres"): post_tres,
    ("GET", "/slurmdb/*/wckeys"): get_wckeys,
    ("POST", "/slurmdb/*/wckeys"): post_wckeys,
    ("GET", "/slurmdb/*/wckey/{wckey}"): get_wckey,
    ("DELETE", "/slurmdb/*/wckey/{wckey}"): delete_wckey,
    ("GET", "/slurmdb/*/wckey/{id}"): get_wckey,
    ("DELETE", "/slurmdb/*/wckey/{id}"): delete_wckey,
    ("GET", "/slurmdb/*/clusters"): get_clusters,
    ("POST", "/slurmdb/*/clusters"): post_clusters,
    ("GET", "/slurmdb/*/cluster/{cluster_name}"): get_cluster,
    ("DELETE", "/slurmdb/*/cluster/{cluster_name}"): delete_cluster,
    ("GET", "/slurmdb/*/instances"): get_instances,
    ("GET", "/slurmdb/*/instance"): get_instances,
    ("GET", "/slurmdb/*/jobs"): get_jobs,
    ("POST", "/slurmdb/*/jobs"): post_jobs,
    ("GET", "/slurmdb/*/job/{job_id}"): get_job,
    ("POST", "/slurmdb/*/job/{job_id}"): post_job,
    ("GET", "/slurmdb/*/diag"): get_diag,
    ("GET", "/slurmdb/*/ping"): get_ping,
    ("GET", "/slurmdb/*/config"): get_config,
    ("POST", "/slurmdb/*/config"): post_config,
    ("GET", "/slurmdb/*/conf"): get_conf,
}
