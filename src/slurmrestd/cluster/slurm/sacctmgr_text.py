"""Reading what `sacctmgr -P -n show ...` prints (Slurm 22.05 has no --json for it).

Rows: with -P (parsable2) and -n (no header) each record is one line of the
requested format fields joined by '|', nothing escaped. So every format here
puts its one free-text field (a description) last, and a line is split at
most len(fields)-1 times: a '|' inside a description survives.

Values: unset is "", times are [days-]hh:mm:ss, TRES amounts are
"cpu=4,mem=2000M,fs/disk=3" (names, memory in units of MiB with a suffix, in
no useful order), flags are sacctmgr's CamelCase names. This module turns
those into canonical values; the per-entity modules (sacctmgr_limits,
sacctmgr_people, sacctmgr_stats) say which column holds what. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.textfields import duration_seconds
from slurmrestd.model.accounting import Cluster, Tres, WCKey

SEPARATOR = "|"
DELETED = "DELETED"  # the stored flag of a removed record slurmdbd still keeps

# Memory-like TRES counts are MiB; sacctmgr prints them with the largest exact unit.
_UNIT_MIB = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "P": 1024**3, "E": 1024**4}
_AMOUNT = re.compile(r"^(-?\d+(?:\.\d+)?)([KMGTPE]?)$")
_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# select plugin ids slurmdbd stores for a cluster (Slurm's plugin_id values); the
# Cray variants are left out, their REST name is not known here.
SELECT_PLUGINS = {101: "cons_res", 102: "linear", 106: "serial", 109: "cons_tres"}


def show_command(entity: str, fields: Sequence[str], *conditions: str) -> tuple[str, ...]:
    """`sacctmgr -P -n show <entity> <conditions> format=<fields>` as an argv."""
    return ("sacctmgr", "-P", "-n", "show", entity, *conditions, "format=" + ",".join(fields))


def condition(key: str, values: Iterable[object]) -> tuple[str, ...]:
    """`key=a,b` for a non-empty filter, nothing for an empty one."""
    items = [str(v) for v in values]
    return (f"{key}={','.join(items)}",) if items else ()


def rows(text: str, fields: Sequence[str], source: str) -> list[dict[str, str]]:
    """One dict (format field -> raw text) per printed line.

    Raises:
        SlurmError: a line does not have the fields asked for.
    """
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        values = line.split(SEPARATOR, len(fields) - 1)
        if len(values) != len(fields):
            raise SlurmError(
                Errno.REST_FAIL_PARSING,
                f"sacctmgr printed {len(values)} fields where {len(fields)} were asked: {line!r}",
                source,
            )
        out.append(dict(zip(fields, values, strict=True)))
    return out


# ------------------------------------------------------------------ single values


def text(value: str) -> str | None:
    return value or None


def names(value: str) -> tuple[str, ...]:
    """A comma separated list ("high,normal"); empty for ""."""
    return tuple(v for v in value.split(",") if v)


def integer(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def real(value: str) -> float | None:
    value = value.strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def seconds(value: str) -> int | None:
    """A duration printed as [days-]hh:mm:ss, in seconds."""
    return duration_seconds(value) if value.strip() else None


def minutes(value: str) -> int | None:
    """A wall clock limit (printed as a duration), in minutes as slurmdbd keeps it."""
    total = seconds(value)
    return None if total is None else total // 60


def camel_to_upper(name: str) -> str:
    """sacctmgr's "MultipleSlurmd" -> the REST API's "MULTIPLE_SLURMD"."""
    return _CAMEL_WORD.sub("_", name).upper()


# ------------------------------------------------------------------ TRES


def tres_key(tres: Tres) -> str:
    """How sacctmgr names a TRES: "cpu", "fs/disk", "gres/gpu"."""
    return f"{tres.type}/{tres.name}" if tres.name else tres.type


TRES_FIELDS = ("ID", "Type", "Name")


@dataclass(frozen=True, slots=True)
class TresTable:
    """The TRES slurmdbd knows, to give amounts printed by name their ids."""

    definitions: tuple[Tres, ...] = ()

    @classmethod
    def parse(cls, output: str) -> TresTable:
        """From `show tres withdeleted format=ID,Type,Name`."""
        found = []
        for row in rows(output, TRES_FIELDS, "slurmdb_tres_get"):
            found.append(Tres(row["Type"], text(row["Name"]), integer(row["ID"]), 0))
        return cls(tuple(sorted(found, key=lambda t: t.id or 0)))

    def id_of(self, key: str) -> int | None:
        for tres in self.definitions:
            if tres_key(tres) == key:
                return tres.id
        return None

    def amounts(self, value: str) -> tuple[Tres, ...]:
        """ "cpu=4,mem=2000M" -> TRES amounts in id order (memory in MiB).

        Raises:
            SlurmError: an amount is not a number.
        """
        found = []
        for item in names(value):
            key, _, amount = item.partition("=")
            match = _AMOUNT.match(amount.strip())
            if match is None:
                raise SlurmError(
                    Errno.REST_FAIL_PARSING, f"unreadable TRES amount {item!r}", "sacctmgr"
                )
            count = round(float(match[1]) * _UNIT_MIB[match[2] or "M"])
            kind, _, name = key.partition("/")
            found.append(Tres(kind, name or None, self.id_of(key), count))
        unknown = 1 << 62  # ids slurmdbd did not list go last, by name
        return tuple(sorted(found, key=lambda t: (t.id if t.id is not None else unknown, t.type)))


# ------------------------------------------------------------------ clusters, wckeys

CLUSTER_FIELDS = (
    "Cluster",
    "ControlHost",
    "ControlPort",
    "RPC",
    "Flags",
    "ClusterNodes",
    "PluginIDSelect",
    "TRES",
)


# What sacctmgr prints in the Flags column of a cluster without flags.
_NO_CLUSTER_FLAGS = "None"


def parse_clusters(output: str, table: TresTable) -> list[Cluster]:
    """Clusters from `show cluster format=CLUSTER_FIELDS`.

    A Flags column of "None" means no flags at all (v0.0.46's enum has no NONE).
    """
    out = []
    for row in rows(output, CLUSTER_FIELDS, "slurmdb_clusters_get"):
        plugin = integer(row["PluginIDSelect"])
        flags = [f for f in names(row["Flags"]) if f != _NO_CLUSTER_FLAGS]
        out.append(
            Cluster(
                name=row["Cluster"],
                controller_host=text(row["ControlHost"]),
                controller_port=integer(row["ControlPort"]),
                flags=tuple(camel_to_upper(f) for f in flags),
                nodes=text(row["ClusterNodes"]),
                select_plugin=SELECT_PLUGINS.get(plugin) if plugin else None,
                rpc_version=integer(row["RPC"]),
                tres=table.amounts(row["TRES"]),
            )
        )
    return out


WCKEY_FIELDS = ("ID", "WCKey", "Cluster", "User")


def parse_wckeys(
    output: str,
    defaults: Mapping[str, str] | None = None,
    with_deleted: str | None = None,
) -> list[WCKey]:
    """WCKeys from `show wckey format=WCKEY_FIELDS`, in id order.

    `defaults` (user -> default wckey name, see sacctmgr_people.parse_default_wckeys)
    marks the defaults: `show wckey` cannot print slurmdbd's is_def itself.
    `with_deleted` is the same listing run with `withdeleted`: sacctmgr has no
    column saying a record is deleted, so the ones only that listing holds are.
    They are never marked default: a user's DefaultWCKey names a live wckey, and
    the is_def slurmdbd leaves on a deleted one (22.05 shows "DEFAULT" for it) is
    nowhere in sacctmgr's output.
    """
    defaults = defaults or {}
    live = rows(output, WCKEY_FIELDS, "slurmdb_wckeys_get")
    live_ids = {row["ID"] for row in live}
    every = live if with_deleted is None else rows(with_deleted, WCKEY_FIELDS, "slurmdb_wckeys_get")
    found = []
    for row in every:
        user = text(row["User"])
        deleted = row["ID"] not in live_ids
        is_default = not deleted and user is not None and defaults.get(user) == row["WCKey"]
        found.append(
            WCKey(
                row["WCKey"],
                user,
                text(row["Cluster"]),
                integer(row["ID"]),
                flags=(DELETED,) if deleted else (),
                is_default=is_default,
            )
        )
    return sorted(found, key=lambda w: w.id or 0)
