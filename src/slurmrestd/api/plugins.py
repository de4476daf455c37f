"""Which API units load: upstream's `-s` (openapi plugins) and `-d` (data parsers) selection.

An ApiUnit is one URL tree the daemon serves: a 22.05-era plugin with its fixed version
(`openapi/v0.0.38`, `openapi/dbv0.0.38`) or a 23.11+-era content plugin bound to one data
parser (`openapi/slurmctld` x `data_parser/v0.0.44` = `/slurm/v0.0.44/...`). This module only
resolves names; it does not read spec documents (slurmrestd.api.openapi does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

GENERATION_22_05 = "22.05"
GENERATION_23_11 = "23.11+"

OPENAPI_PREFIX = "openapi/"
DATA_PARSER_PREFIX = "data_parser/"
# UnknownPluginError.kind for a bad `+flag`; its name is the whole entry ("v0.0.42+bogus").
FLAG_KIND = "data_parser flag"

# `-s list` / `-d list` order: legacy plugins first, then today's plugins and parsers.
OPENAPI_PLUGINS: tuple[str, ...] = (
    "openapi/v0.0.38",
    "openapi/dbv0.0.38",
    "openapi/slurmctld",
    "openapi/slurmdbd",
    "openapi/util",
)
DATA_PARSERS: tuple[str, ...] = tuple(f"data_parser/v0.0.4{minor}" for minor in range(7))
LATEST_DATA_PARSER = "data_parser/v0.0.46"

# Upstream's `+flag` suffixes (data_parser parsers.c flag tables across v0.0.40..v0.0.46).
# They tune upstream's C parsers; our output does not depend on them, so they are accepted and
# ignored. Matched case-insensitively like upstream.
DATA_PARSER_FLAGS: frozenset[str] = frozenset(
    {"fast", "complex", "prefer_refs", "minimize_refs", "inline_enums", "spec_only"}
)

# 22.05-era plugin -> (version, path prefix, spec file): each ships its own fixed document.
_LEGACY_PLUGINS: dict[str, tuple[str, str, str]] = {
    "openapi/v0.0.38": ("v0.0.38", "/slurm/v0.0.38/", "v0.0.38.json"),
    "openapi/dbv0.0.38": ("dbv0.0.38", "/slurmdb/v0.0.38/", "dbv0.0.38.json"),
}
# 23.11+ content plugin -> first URL segment of its paths (`/slurm/v0.0.44/...`).
_CONTENT_PLUGINS: dict[str, str] = {
    "openapi/slurmctld": "slurm",
    "openapi/slurmdbd": "slurmdb",
    "openapi/util": "util",
}
# Content plugins each parser's document has paths for. openapi/util arrived in 25.11 with
# v0.0.44; the v0.0.40..v0.0.43 references carry no /util/ paths, so util adds nothing there.
# tests/api/test_openapi_documents.py checks this table against the spec files.
_UTIL_PARSERS = frozenset({"data_parser/v0.0.44", "data_parser/v0.0.45", "data_parser/v0.0.46"})


@dataclass(frozen=True)
class ApiUnit:
    """One served URL tree: a content plugin, bound to a data parser from 23.11 on."""

    version: str  # "v0.0.38", "dbv0.0.38", "v0.0.44"
    plugin: str  # "openapi/v0.0.38", "openapi/slurmctld", ...
    generation: str  # GENERATION_22_05 or GENERATION_23_11
    data_parser: str | None  # None for 22.05-era plugins, else "data_parser/v0.0.44"
    spec: str  # document under slurmrestd/api/specs/ that holds this unit's paths
    path_prefix: str  # every path of this unit starts with it: "/slurmdb/v0.0.44/"


class PluginError(ValueError):
    """A `-s`/`-d` selection the daemon cannot start with."""


class UnknownPluginError(PluginError):
    """A `-s`/`-d` name (or `+flag`) that is not known, or an empty list."""

    def __init__(self, kind: str, name: str, valid: Sequence[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.valid = tuple(valid) or _valid_names(kind)
        super().__init__(kind, name)

    def __str__(self) -> str:
        choices = ", ".join(self.valid)
        if self.kind == FLAG_KIND:
            return f"unknown {self.kind} in {self.name!r}; valid flags: {choices}"
        if not self.name:
            return f"no {self.kind} plugin given; valid: {choices}"
        return f"unknown {self.kind} plugin {self.name!r}; valid: {choices}"


class NoOperationsError(PluginError):
    """The selected plugins and parsers together serve no path (e.g. `-s util -d v0.0.40`)."""

    def __str__(self) -> str:
        plugins, parsers = self.args
        return f"openapi plugins {plugins} with data parsers {parsers} serve no API operations"


def _valid_names(kind: str) -> tuple[str, ...]:
    if kind == "openapi":
        return OPENAPI_PLUGINS
    if kind == "data_parser":
        return (*DATA_PARSERS, "latest")
    return ()


def _openapi_plugin(name: str) -> str:
    full = name.strip()
    if not full.startswith(OPENAPI_PREFIX):
        full = OPENAPI_PREFIX + full
    if full not in OPENAPI_PLUGINS:
        raise UnknownPluginError("openapi", name)
    return full


def _data_parser(name: str) -> str:
    base, *flags = name.strip().split("+")
    for flag in flags:
        if flag.lower() not in DATA_PARSER_FLAGS:
            raise UnknownPluginError(FLAG_KIND, name, sorted(DATA_PARSER_FLAGS))
    full = base if base.startswith(DATA_PARSER_PREFIX) else DATA_PARSER_PREFIX + base
    if full == DATA_PARSER_PREFIX + "latest":
        return LATEST_DATA_PARSER
    if full not in DATA_PARSERS:
        raise UnknownPluginError("data_parser", name)
    return full


def _names(kind: str, names: Sequence[str], parse: Callable[[str], str]) -> list[str]:
    # A bare str is a Sequence[str] too; iterating it would report "unknown plugin 's'".
    if isinstance(names, str):
        raise TypeError(f"{kind} names must be a sequence of names, not a string")
    # Blank entries are skipped like upstream's strtok-split lists (`-s slurmctld,,util`), so
    # `-s ""` is an empty list.
    given = [name for name in names if name.strip()]
    if not given:
        raise UnknownPluginError(kind, "")
    return list(dict.fromkeys(parse(name) for name in given))


def _legacy_unit(plugin: str) -> ApiUnit:
    version, prefix, spec = _LEGACY_PLUGINS[plugin]
    return ApiUnit(version, plugin, GENERATION_22_05, None, spec, prefix)


def _content_unit(plugin: str, data_parser: str) -> ApiUnit:
    version = data_parser.removeprefix(DATA_PARSER_PREFIX)
    prefix = f"/{_CONTENT_PLUGINS[plugin]}/{version}/"
    return ApiUnit(version, plugin, GENERATION_23_11, data_parser, f"{version}.json", prefix)


def resolve(
    openapi_plugins: Sequence[str] | None, data_parsers: Sequence[str] | None
) -> tuple[ApiUnit, ...]:
    """Resolve `-s` and `-d` (None = option not given) to the units to serve.

    Units come in a fixed order whatever the order of the names: 22.05-era plugins as in
    OPENAPI_PLUGINS, then per parser (oldest first) slurmctld, slurmdbd, util. Duplicates
    collapse.

    Nothing given: everything. Only `-d`: the 23.11+ content plugins for those parsers, no
    22.05-era plugins. Only `-s`: those plugins, the 23.11+ ones with every parser. Units a
    parser has no paths for (util before v0.0.44) are left out.

    Raises:
        UnknownPluginError: an empty list, an unknown name or an unknown `+flag`.
        NoOperationsError: the selection is valid but serves nothing.
    """
    if openapi_plugins is None:
        plugins = list(OPENAPI_PLUGINS if data_parsers is None else _CONTENT_PLUGINS)
    else:
        plugins = _names("openapi", openapi_plugins, _openapi_plugin)
    parsers = (
        list(DATA_PARSERS)
        if data_parsers is None
        else _names("data_parser", data_parsers, _data_parser)
    )

    selected = set(plugins)
    units = [_legacy_unit(p) for p in _LEGACY_PLUGINS if p in selected]
    for parser in sorted(parsers, key=DATA_PARSERS.index):
        for plugin in _CONTENT_PLUGINS:
            if plugin in selected and (plugin != "openapi/util" or parser in _UTIL_PARSERS):
                units.append(_content_unit(plugin, parser))
    if not units:
        raise NoOperationsError(plugins, parsers)
    return tuple(units)
