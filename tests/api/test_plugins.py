"""`-s` / `-d` resolution into API units (slurmrestd.api.plugins)."""

from __future__ import annotations

import pytest

from slurmrestd.api.plugins import (
    DATA_PARSERS,
    GENERATION_22_05,
    GENERATION_23_11,
    OPENAPI_PLUGINS,
    ApiUnit,
    NoOperationsError,
    UnknownPluginError,
    resolve,
)

ALL_PARSERS = [f"v0.0.4{minor}" for minor in range(7)]


def pairs(units: tuple[ApiUnit, ...]) -> list[tuple[str, str]]:
    return [(unit.plugin.removeprefix("openapi/"), unit.version) for unit in units]


def modern(plugins: list[str], parsers: list[str]) -> list[tuple[str, str]]:
    """Expected (plugin, version) pairs in resolve()'s order; util only from v0.0.44."""
    return [
        (plugin, parser)
        for parser in parsers
        for plugin in ("slurmctld", "slurmdbd", "util")
        if plugin in plugins and (plugin != "util" or parser >= "v0.0.44")
    ]


def test_list_names():
    assert OPENAPI_PLUGINS == (
        "openapi/v0.0.38",
        "openapi/dbv0.0.38",
        "openapi/slurmctld",
        "openapi/slurmdbd",
        "openapi/util",
    )
    assert tuple(f"data_parser/{v}" for v in ALL_PARSERS) == DATA_PARSERS


def test_defaults_serve_everything():
    units = resolve(None, None)
    expected = [("v0.0.38", "v0.0.38"), ("dbv0.0.38", "dbv0.0.38")]
    expected += modern(["slurmctld", "slurmdbd", "util"], ALL_PARSERS)
    assert pairs(units) == expected
    assert len(units) == 19


def test_unit_fields():
    v38, dbv38, *rest = resolve(None, None)
    assert v38 == ApiUnit(
        "v0.0.38", "openapi/v0.0.38", GENERATION_22_05, None, "v0.0.38.json", "/slurm/v0.0.38/"
    )
    assert dbv38.version == "dbv0.0.38" and dbv38.path_prefix == "/slurmdb/v0.0.38/"
    assert dbv38.data_parser is None and dbv38.generation == "22.05"
    util = rest[-1]
    assert util == ApiUnit(
        version="v0.0.46",
        plugin="openapi/util",
        generation=GENERATION_23_11,
        data_parser="data_parser/v0.0.46",
        spec="v0.0.46.json",
        path_prefix="/util/v0.0.46/",
    )
    assert util.generation == "23.11+"


def test_units_are_frozen_and_hashable():
    unit = resolve(["v0.0.38"], None)[0]
    with pytest.raises(AttributeError):
        unit.version = "v0.0.39"  # type: ignore[misc]
    assert len(set(resolve(None, None))) == 19


def test_only_s_given():
    assert pairs(resolve(["v0.0.38"], None)) == [("v0.0.38", "v0.0.38")]
    assert pairs(resolve(["slurmctld"], None)) == modern(["slurmctld"], ALL_PARSERS)
    assert pairs(resolve(["util", "dbv0.0.38"], None)) == [
        ("dbv0.0.38", "dbv0.0.38"),
        *modern(["util"], ALL_PARSERS),
    ]


def test_only_d_given():
    assert pairs(resolve(None, ["v0.0.44"])) == modern(
        ["slurmctld", "slurmdbd", "util"], ["v0.0.44"]
    )
    assert pairs(resolve(None, ["v0.0.41", "v0.0.40"])) == modern(
        ["slurmctld", "slurmdbd", "util"], ["v0.0.40", "v0.0.41"]
    )


def test_both_given():
    units = resolve(["slurmdbd", "v0.0.38"], ["v0.0.45"])
    assert pairs(units) == [("v0.0.38", "v0.0.38"), ("slurmdbd", "v0.0.45")]
    # 22.05-era plugins have no data parser: -d leaves them alone.
    assert pairs(resolve(["v0.0.38"], ["v0.0.46"])) == [("v0.0.38", "v0.0.38")]


def test_prefixes_are_optional():
    assert resolve(["openapi/slurmctld"], ["data_parser/v0.0.42"]) == resolve(
        ["slurmctld"], ["v0.0.42"]
    )
    assert resolve(["openapi/dbv0.0.38"], None) == resolve(["dbv0.0.38"], None)
    assert resolve([" slurmctld "], [" v0.0.42"]) == resolve(["slurmctld"], ["v0.0.42"])


def test_latest_is_v0_0_46():
    assert resolve(None, ["latest"]) == resolve(None, ["v0.0.46"])
    assert resolve(None, ["data_parser/latest"]) == resolve(None, ["v0.0.46"])
    assert resolve(None, ["latest", "v0.0.46"]) == resolve(None, ["v0.0.46"])


def test_order_and_duplicates_do_not_matter():
    assert resolve(["util", "slurmctld", "slurmctld"], ["v0.0.46", "v0.0.44"]) == resolve(
        ["slurmctld", "util"], ["v0.0.44", "v0.0.46"]
    )


@pytest.mark.parametrize(
    "name",
    [
        "v0.0.42+fast",
        "v0.0.42+FAST",
        "v0.0.41+prefer_refs",
        "v0.0.42+minimize_refs+inline_enums",
        "data_parser/v0.0.46+spec_only",
        "latest+complex",
    ],
)
def test_known_flags_are_accepted_and_ignored(name):
    base = name.split("+")[0].removeprefix("data_parser/")
    assert resolve(None, [name]) == resolve(None, [base])


@pytest.mark.parametrize("name", ["v0.0.42+bogus", "v0.0.42+", "v0.0.42+fast+nope"])
def test_unknown_flags_are_rejected(name):
    with pytest.raises(UnknownPluginError) as info:
        resolve(None, [name])
    assert (info.value.kind, info.value.name) == ("data_parser flag", name)
    assert repr(name) in str(info.value)
    assert "fast" in str(info.value) and "prefer_refs" in str(info.value)


@pytest.mark.parametrize("name", ["bogus", "v0.0.37", "dbv0.0.46", "openapi/", "list", "Slurmctld"])
def test_unknown_openapi_plugin(name):
    with pytest.raises(UnknownPluginError) as info:
        resolve([name], None)
    error = info.value
    assert (error.kind, error.name) == ("openapi", name)
    assert repr(name) in str(error)
    assert all(valid in str(error) for valid in OPENAPI_PLUGINS)


@pytest.mark.parametrize("name", ["v0.0.39", "v0.0.47", "slurmctld", "data_parser/", "0.0.44"])
def test_unknown_data_parser(name):
    with pytest.raises(UnknownPluginError) as info:
        resolve(None, [name])
    error = info.value
    assert (error.kind, error.name) == ("data_parser", name)
    assert repr(name) in str(error)
    assert all(valid in str(error) for valid in DATA_PARSERS) and "latest" in str(error)


def test_unknown_error_is_a_value_error():
    assert issubclass(UnknownPluginError, ValueError)


@pytest.mark.parametrize(
    ("plugins", "parsers", "kind"), [([], None, "openapi"), (None, [], "data_parser")]
)
def test_empty_list_is_rejected(plugins, parsers, kind):
    with pytest.raises(UnknownPluginError) as info:
        resolve(plugins, parsers)
    assert info.value.kind == kind and info.value.name == ""
    assert str(info.value).startswith(f"no {kind} plugin given; valid: ")


def test_blank_entries_are_skipped():
    assert resolve(["slurmctld", "", " "], ["", "v0.0.46"]) == resolve(["slurmctld"], ["v0.0.46"])
    with pytest.raises(UnknownPluginError, match="no openapi plugin given"):
        resolve([""], None)


def test_a_string_is_not_a_list_of_names():
    with pytest.raises(TypeError):
        resolve("slurmctld", None)  # type: ignore[arg-type]


def test_selection_serving_nothing_is_rejected():
    # openapi/util has no paths before v0.0.44.
    with pytest.raises(NoOperationsError, match="serve no API operations"):
        resolve(["util"], ["v0.0.40", "v0.0.43"])
    with pytest.raises(ValueError):
        resolve(["util"], ["v0.0.41"])
