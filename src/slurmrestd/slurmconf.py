"""Reader for the slurm.conf / slurmdbd.conf syntax.

This module owns the file syntax (Key=Value pairs, comments, quoting, line
continuation, Include) and the record lines (NodeName=, PartitionName=, ...)
with their DEFAULT inheritance. It returns an immutable `SlurmConf` with a few
typed accessors the daemon needs. It does not validate option values nor know
what most options mean: unknown keys are kept as they are.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from slurmrestd.hostlist import HostlistError, expand

# Bounds nested Include chains; deeper nesting is an error even without a cycle.
MAX_INCLUDE_DEPTH = 16

# A line whose first (or any later) key is one of these is a record: that key
# names it and the rest of the line are its attributes. Canonical spellings.
_RECORD_KINDS = {
    k.lower(): k for k in ("NodeName", "PartitionName", "NodeSet", "FrontendName", "DownNodes")
}
# Kinds for which Slurm applies `<Kind>=DEFAULT` lines to later records.
_DEFAULTABLE = frozenset({"nodename", "partitionname", "frontendname"})
# Kinds whose record name is a hostlist expression.
_HOSTLIST_NAMED = frozenset({"nodename", "frontendname", "downnodes"})
_CTLD_HOST = re.compile(r"([^()\s]+)(?:\(([^()\s]*)\))?")
_GLOB_MAGIC = re.compile(r"[*?\[]")


class SlurmConfError(ValueError):
    """A configuration file that cannot be read or parsed."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where  # "path:line", or just the path
        self.reason = reason


class ControllerHost(NamedTuple):
    """One SlurmctldHost entry; `addr` defaults to `name`, as in Slurm."""

    name: str
    addr: str


@dataclass(frozen=True, slots=True)
class Record:
    """One record line, such as `NodeName=node[1-4] CPUs=4`, defaults applied."""

    kind: str  # canonical spelling: "NodeName", "PartitionName", ...
    name: str  # the value of the first key, e.g. the expression "node[1-4]"
    names: tuple[str, ...]  # `name` expanded for hostlist kinds, else (name,)
    params: Mapping[str, str]  # attributes, keys as spelled in the file
    where: str = ""  # "path:line" of the record line

    def get(self, key: str, default: str | None = None) -> str | None:
        """Attribute value by case-insensitive key."""
        wanted = key.lower()
        for k, v in self.params.items():
            if k.lower() == wanted:
                return v
        return default


@dataclass(frozen=True, slots=True)
class NodeRecord(Record):
    """A `NodeName=` line."""


@dataclass(frozen=True, slots=True)
class PartitionRecord(Record):
    """A `PartitionName=` line."""


_RECORD_CLASSES: dict[str, type[Record]] = {
    "nodename": NodeRecord,
    "partitionname": PartitionRecord,
}


@dataclass(frozen=True, slots=True)
class SlurmConf:
    """A parsed configuration: options, records and the files they came from."""

    options: Mapping[str, str]  # lower-case key -> last assigned value
    spellings: Mapping[str, str]  # lower-case key -> key as last written
    assignments: tuple[tuple[str, str], ...]  # every (lower key, value), in order
    all_records: tuple[Record, ...]
    files: tuple[str, ...]  # every file read, for reloading on SIGHUP

    def get(self, key: str, default: str | None = None) -> str | None:
        """Last value assigned to `key` (case-insensitive)."""
        return self.options.get(key.lower(), default)

    def get_all(self, key: str) -> tuple[str, ...]:
        """Every value assigned to a repeatable key, in file order."""
        wanted = key.lower()
        return tuple(v for k, v in self.assignments if k == wanted)

    def records(self, kind: str) -> tuple[Record, ...]:
        """Records of one kind (case-insensitive, e.g. "NodeSet"), in file order."""
        wanted = kind.lower()
        return tuple(r for r in self.all_records if r.kind.lower() == wanted)

    @property
    def nodes(self) -> tuple[NodeRecord, ...]:
        return tuple(r for r in self.all_records if isinstance(r, NodeRecord))

    @property
    def partitions(self) -> tuple[PartitionRecord, ...]:
        return tuple(r for r in self.all_records if isinstance(r, PartitionRecord))

    @property
    def node_names(self) -> tuple[str, ...]:
        """Every node name of every NodeName line, expanded, in file order."""
        return tuple(name for node in self.nodes for name in node.names)

    # -- typed accessors --------------------------------------------------

    @property
    def slurm_user(self) -> str:
        # Slurm's own default when SlurmUser is absent.
        return self.get("SlurmUser") or "root"

    @property
    def cluster_name(self) -> str | None:
        return self.get("ClusterName")

    @property
    def state_save_location(self) -> str | None:
        return self.get("StateSaveLocation")

    @property
    def accounting_storage_type(self) -> str | None:
        return self.get("AccountingStorageType")

    @property
    def auth_alt_types(self) -> tuple[str, ...]:
        return tuple(_split_list(self.get("AuthAltTypes") or ""))

    @property
    def cpu_freq_governors(self) -> tuple[str, ...] | None:
        """CpuFreqGovernors' names; None when not set (Slurm's default set applies)."""
        value = self.get("CpuFreqGovernors")
        return tuple(_split_list(value)) if value else None

    @property
    def auth_alt_parameters(self) -> dict[str, str]:
        """AuthAltParameters as a dict; bare flags map to ""; keys lower-cased."""
        return parse_parameters(self.get("AuthAltParameters"))

    @property
    def scheduler_parameters(self) -> dict[str, str]:
        """SchedulerParameters as a dict, read as AuthAltParameters is."""
        return parse_parameters(self.get("SchedulerParameters"))

    @property
    def jwt_key_path(self) -> str | None:
        return self.auth_alt_parameters.get("jwt_key")

    @property
    def jwks_path(self) -> str | None:
        return self.auth_alt_parameters.get("jwks")

    @property
    def slurmctld_hosts(self) -> tuple[ControllerHost, ...]:
        """Controllers in priority order, from SlurmctldHost or the older
        ControlMachine/BackupController keys.

        Raises:
            SlurmConfError: a SlurmctldHost value is not `name` or `name(addr)`.
        """
        values = self.get_all("SlurmctldHost")
        if values:
            return tuple(parse_slurmctld_host(v) for v in values)
        hosts = []
        for host_key, addr_key in (
            ("ControlMachine", "ControlAddr"),
            ("BackupController", "BackupAddr"),
        ):
            name = self.get(host_key)
            if name:
                hosts.append(ControllerHost(name, self.get(addr_key) or name))
        return tuple(hosts)


def parse_slurmctld_host(value: str) -> ControllerHost:
    """Parse `vm(127.0.0.1)` or `vm` into (name, addr).

    Raises:
        SlurmConfError: the value has another shape.
    """
    match = _CTLD_HOST.fullmatch(value.strip())
    if match is None or match.group(2) == "":
        raise SlurmConfError("SlurmctldHost", f"expected 'name' or 'name(addr)', got {value!r}")
    name, addr = match.group(1), match.group(2)
    return ControllerHost(name, addr or name)


def _split_list(value: str) -> Iterator[str]:
    return (item.strip() for item in value.split(",") if item.strip())


def parse_parameters(value: str | None) -> dict[str, str]:
    """`jwt_key=/p,jwks=/q,disable_token_creation` -> {name: value}; flags map to "".

    Option names are matched without regard to case, as everywhere in slurm.conf.
    """
    params: dict[str, str] = {}
    for item in _split_list(value or ""):
        key, _, val = item.partition("=")
        params[key.strip().lower()] = val.strip()
    return params


# ------------------------------------------------------------------ parse --


def parse_file(path: str | os.PathLike[str]) -> SlurmConf:
    """Read and parse a configuration file and everything it includes.

    Raises:
        SlurmConfError: a file is missing or unreadable, or has a syntax error.
    """
    builder = _Builder()
    builder.read_file(os.fspath(path), depth=0, stack=(), where=None)
    return builder.build()


def parse_text(text: str, *, base_dir: str | None = None, filename: str = "<text>") -> SlurmConf:
    """Parse configuration text; relative Includes resolve against `base_dir`
    (the current directory when None). `filename` only names it in errors.

    Raises:
        SlurmConfError: a syntax error, or an included file is missing.
    """
    builder = _Builder()
    builder.read_text(text, filename, base_dir or os.getcwd(), depth=0, stack=())
    return builder.build()


@dataclass(slots=True)
class _Builder:
    """Mutable state while reading; `build()` freezes it into a SlurmConf."""

    options: dict[str, str] = field(default_factory=dict)
    spellings: dict[str, str] = field(default_factory=dict)
    assignments: list[tuple[str, str]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    # lower kind -> lower key -> (spelling, value), accumulated DEFAULT lines
    defaults: dict[str, dict[str, tuple[str, str]]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def build(self) -> SlurmConf:
        return SlurmConf(
            options=MappingProxyType(dict(self.options)),
            spellings=MappingProxyType(dict(self.spellings)),
            assignments=tuple(self.assignments),
            all_records=tuple(self.records),
            files=tuple(self.files),
        )

    def read_file(self, path: str, depth: int, stack: tuple[str, ...], where: str | None) -> None:
        """Read one file; `where` is the Include line naming it, None at top level."""
        real = os.path.realpath(path)
        if real in stack:
            chain = " -> ".join([*stack, real])
            raise SlurmConfError(where or path, f"include cycle: {chain}")
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if where is None:
                raise SlurmConfError(path, f"cannot read: {reason}") from exc
            raise SlurmConfError(where, f"cannot read {path}: {reason}") from exc
        except UnicodeDecodeError as exc:
            raise SlurmConfError(where or path, f"{path} is not UTF-8: {exc}") from exc
        absolute = os.path.abspath(path)
        if absolute not in self.files:
            self.files.append(absolute)
        base_dir = os.path.dirname(absolute)
        self.read_text(text, path, base_dir, depth, (*stack, real))

    def read_text(
        self, text: str, name: str, base_dir: str, depth: int, stack: tuple[str, ...]
    ) -> None:
        for lineno, line in _logical_lines(text):
            where = f"{name}:{lineno}"
            tokens = _tokenize(line, where)
            if not tokens:
                continue
            if tokens[0].lower() == "include":
                if len(tokens) != 2:
                    raise SlurmConfError(where, "expected 'Include <path>'")
                self._include(tokens[1], base_dir, depth, stack, where)
            else:
                self._pairs(tokens, where)

    def _include(
        self, pattern: str, base_dir: str, depth: int, stack: tuple[str, ...], where: str
    ) -> None:
        if depth + 1 > MAX_INCLUDE_DEPTH:
            raise SlurmConfError(where, f"Include nested deeper than {MAX_INCLUDE_DEPTH}")
        # A pattern matching nothing (an empty conf.d) is not an error.
        paths = (
            sorted(glob.glob(os.path.join(glob.escape(base_dir), pattern)))
            if _GLOB_MAGIC.search(pattern)
            else [os.path.join(base_dir, pattern)]
        )
        for included in paths:
            self.read_file(included, depth + 1, stack, where)

    def _pairs(self, tokens: list[str], where: str) -> None:
        pairs = [_split_pair(token, where) for token in tokens]
        for i, (key, value) in enumerate(pairs):
            lower = key.lower()
            if lower in _RECORD_KINDS:
                # A record key takes the rest of the line as its attributes.
                self._record(lower, value, pairs[i + 1 :], where)
                return
            self.options[lower] = value
            self.spellings[lower] = key
            self.assignments.append((lower, value))

    def _record(self, kind: str, name: str, attrs: list[tuple[str, str]], where: str) -> None:
        if not name:
            raise SlurmConfError(where, f"{_RECORD_KINDS[kind]} needs a name")
        own = {k.lower(): (k, v) for k, v in attrs}
        if kind in _DEFAULTABLE and name.upper() == "DEFAULT":
            # Later DEFAULT lines add to, and override, earlier ones.
            self.defaults.setdefault(kind, {}).update(own)
            return
        merged = {**self.defaults.get(kind, {}), **own}
        if kind in _HOSTLIST_NAMED:
            try:
                names = tuple(expand(name))
            except HostlistError as exc:
                raise SlurmConfError(where, str(exc)) from exc
        else:
            names = (name,)
        cls = _RECORD_CLASSES.get(kind, Record)
        params = MappingProxyType(dict(merged.values()))
        self.records.append(cls(_RECORD_KINDS[kind], name, names, params, where))


# ----------------------------------------------------------------- lexing --


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Yield (first line number, text) with comments removed and `\\`
    continuations joined (directly, without inserting a space)."""
    pending: list[str] = []
    start = 0
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = lineno
        line = _strip_comment(raw).rstrip()
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield start, "".join(pending)
        pending = []
    if pending:  # a continuation on the last line just ends the line
        yield start, "".join(pending)


def _strip_comment(line: str) -> str:
    """Cut at an unquoted `#`; `\\#` is a literal `#`."""
    out: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and line.startswith("#", i + 1):
            out.append("#")
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            break
        out.append(ch)
        i += 1
    return "".join(out)


def _tokenize(line: str, where: str) -> list[str]:
    """Split on whitespace outside double quotes; the quotes are removed."""
    tokens: list[str] = []
    current: list[str] = []
    in_token = quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
            in_token = True
        elif ch.isspace() and not quoted:
            if in_token:
                tokens.append("".join(current))
                current, in_token = [], False
        else:
            current.append(ch)
            in_token = True
    if quoted:
        raise SlurmConfError(where, "unterminated double quote")
    if in_token:
        tokens.append("".join(current))
    return tokens


def _split_pair(token: str, where: str) -> tuple[str, str]:
    key, sep, value = token.partition("=")
    if not sep or not key:
        raise SlurmConfError(where, f"expected Key=Value, got {token!r}")
    return key, value
