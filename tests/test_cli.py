"""cli.parse_options: argv + environment -> Options (pure; nothing is started)."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest

from slurmrestd import cli
from slurmrestd.cli import (
    DEFAULT_THREADS,
    ENVIRONMENT_VARIABLES,
    SECURITY_FLAGS,
    USAGE,
    Options,
    UsageError,
    parse_options,
)
from slurmrestd.http.limits import DEFAULT_MAX_CONNECTIONS, IDLE_TIMEOUT_S, READ_TIMEOUT_S


def parse(*argv: str, **env: str) -> Options:
    return parse_options(list(argv), env)


# --- documentation and handling agree -----------------------------------------------------


def _usage_sections() -> tuple[str, str]:
    options, _, environment = USAGE.partition("\nEnvironment:\n")
    assert environment, "USAGE has no Environment section"
    return options, environment


def documented_options() -> set[str]:
    options, _ = _usage_sections()
    return set(re.findall(r"^ {2}(-\w|--[\w-]+)", options, re.MULTILINE))


def documented_variables() -> set[str]:
    _, environment = _usage_sections()
    return set(re.findall(r"^ {2}([A-Z][A-Z0-9_]+)\s", environment, re.MULTILINE))


def handled_options() -> set[str]:
    parser = cli._argument_parser()
    return {s for action in parser._actions for s in action.option_strings}


def handled_variables() -> set[str]:
    return set(re.findall(r"\"(SLURM[A-Z0-9_]*)\"", inspect.getsource(cli.parse_options)))


def test_every_option_documented_and_handled():
    assert documented_options() == handled_options()


def test_every_variable_documented_listed_and_handled():
    assert documented_variables() == set(ENVIRONMENT_VARIABLES)
    assert handled_variables() == set(ENVIRONMENT_VARIABLES)
    assert len(ENVIRONMENT_VARIABLES) == len(set(ENVIRONMENT_VARIABLES))


def test_usage_names_every_security_flag_and_backend():
    for flag in SECURITY_FLAGS:
        assert flag in USAGE
    for backend in cli.BACKENDS:
        assert backend in USAGE


# One row per option: argv, the Options field it sets, and the expected value.
OPTION_CASES: dict[str, tuple[list[str], str, Any]] = {
    "-a": (["-a", "local,rest_auth/jwt"], "auth_types", ("local", "rest_auth/jwt")),
    "-d": (["-d", "v0.0.40, latest"], "data_parsers", ("v0.0.40", "latest")),
    "-f": (["-f", "/etc/slurm/x.conf"], "conf_file", "/etc/slurm/x.conf"),
    "-g": (["-g", "slurmrestd"], "group", "slurmrestd"),
    "-h": (["-h"], "show_help", True),
    "-s": (["-s", "v0.0.38,dbv0.0.38"], "openapi_plugins", ("v0.0.38", "dbv0.0.38")),
    "-t": (["-t", "8"], "threads", 8),
    "-u": (["-u", "nobody2"], "user", "nobody2"),
    "-v": (["-v"], "debug_level", 4),
    "-V": (["-V"], "show_version", True),
    "--max-connections": (["--max-connections", "7"], "max_connections", 7),
    "--generate-openapi-spec": (["--generate-openapi-spec"], "generate_openapi_spec", True),
    "--backend": (["--backend", "embedded"], "backend", "embedded"),
    "--read-timeout": (["--read-timeout", "2.5"], "read_timeout", 2.5),
    "--idle-timeout": (["--idle-timeout", "0"], "idle_timeout", 0.0),
    "--read-freshness": (["--read-freshness", "0"], "read_freshness", 0.0),
}


def test_option_table_covers_every_option():
    assert set(OPTION_CASES) == handled_options()


@pytest.mark.parametrize("option", sorted(OPTION_CASES))
def test_option(option):
    argv, field, value = OPTION_CASES[option]
    options = parse(*argv)
    assert getattr(options, field) == value
    assert getattr(Options(), field) != value  # the default differs, so the option did it


# One row per variable: environment, the Options field it sets, and the expected value.
ENV_CASES: dict[str, tuple[str, str, Any]] = {
    "SLURM_CONF": ("/etc/slurm/env.conf", "conf_file", "/etc/slurm/env.conf"),
    "SLURM_JWT": ("daemon", "jwt_mode", "daemon"),
    "SLURMRESTD_AUTH_TYPES": ("jwt", "auth_types", ("jwt",)),
    "SLURMRESTD_BACKEND": ("slurm", "backend", "slurm"),
    "SLURMRESTD_DATA_PARSER_PLUGINS": ("v0.0.44", "data_parsers", ("v0.0.44",)),
    "SLURMRESTD_DEBUG": ("7", "debug_level", 7),
    "SLURMRESTD_IDLE_TIMEOUT": ("9", "idle_timeout", 9.0),
    "SLURMRESTD_LISTEN": (":8080,unix:/run/x.sock", "listen", (":8080", "unix:/run/x.sock")),
    "SLURMRESTD_MAX_CONNECTIONS": ("33", "max_connections", 33),
    "SLURMRESTD_OPENAPI_PLUGINS": ("slurmctld,util", "openapi_plugins", ("slurmctld", "util")),
    "SLURMRESTD_READ_FRESHNESS": ("0.25", "read_freshness", 0.25),
    "SLURMRESTD_READ_TIMEOUT": ("0", "read_timeout", 0.0),
    "SLURMRESTD_SECURITY": (
        "disable_unshare_files,disable_user_check",
        "security",
        frozenset({"disable_unshare_files", "disable_user_check"}),
    ),
}


def test_env_table_covers_every_variable():
    assert set(ENV_CASES) == set(ENVIRONMENT_VARIABLES)


@pytest.mark.parametrize("name", sorted(ENV_CASES))
def test_variable(name):
    text, field, value = ENV_CASES[name]
    options = parse_options([], {name: text})
    assert getattr(options, field) == value
    assert getattr(Options(), field) != value


def test_defaults():
    options = parse()
    assert options == Options()
    assert options.listen == ()
    assert options.inetd
    assert options.threads == DEFAULT_THREADS
    assert options.max_connections == DEFAULT_MAX_CONNECTIONS
    assert (options.read_timeout, options.idle_timeout) == (READ_TIMEOUT_S, IDLE_TIMEOUT_S)
    assert options.auth_types is options.openapi_plugins is options.data_parsers is None
    assert options.backend == "auto"
    assert options.debug_level == 3
    assert options.security == frozenset()
    assert options.wants_list() is None


def test_unrelated_environment_is_ignored():
    assert parse_options([], {"PATH": "/bin", "SLURMRESTD_NOPE": "1"}) == Options()


# --- command line over environment --------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "field", "value"),
    [
        (["-a", "local"], {"SLURMRESTD_AUTH_TYPES": "jwt"}, "auth_types", ("local",)),
        (["-s", "v38"], {"SLURMRESTD_OPENAPI_PLUGINS": "util"}, "openapi_plugins", ("v38",)),
        (["-d", "v41"], {"SLURMRESTD_DATA_PARSER_PLUGINS": "v42"}, "data_parsers", ("v41",)),
        (["-f", "/a.conf"], {"SLURM_CONF": "/b.conf"}, "conf_file", "/a.conf"),
        (["--max-connections", "5"], {"SLURMRESTD_MAX_CONNECTIONS": "6"}, "max_connections", 5),
        (["--backend", "slurm"], {"SLURMRESTD_BACKEND": "embedded"}, "backend", "slurm"),
        (["--read-timeout", "1"], {"SLURMRESTD_READ_TIMEOUT": "2"}, "read_timeout", 1.0),
        (["--idle-timeout", "3"], {"SLURMRESTD_IDLE_TIMEOUT": "4"}, "idle_timeout", 3.0),
        (["--read-freshness", "0"], {"SLURMRESTD_READ_FRESHNESS": "4"}, "read_freshness", 0.0),
        # an empty -s/-a on the command line still wins over the environment
        (["-a", ""], {"SLURMRESTD_AUTH_TYPES": "jwt"}, "auth_types", ()),
    ],
)
def test_command_line_overrides_environment(argv, env, field, value):
    assert getattr(parse_options(argv, env), field) == value


def test_slurm_conf_used_without_f():
    assert parse_options([], {"SLURM_CONF": "/b.conf"}).conf_file == "/b.conf"
    assert parse_options([], {"SLURM_CONF": ""}).conf_file is None


# --- listen addresses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "listen"),
    [
        ([":6820"], {}, (":6820",)),
        (["localhost:6820", "unix:/run/s.sock"], {}, ("localhost:6820", "unix:/run/s.sock")),
        # SLURMRESTD_LISTEN adds to the positional addresses
        ([":6820"], {"SLURMRESTD_LISTEN": "unix:/run/s.sock"}, (":6820", "unix:/run/s.sock")),
        ([], {"SLURMRESTD_LISTEN": " :1 , ,:2 "}, (":1", ":2")),
        ([], {"SLURMRESTD_LISTEN": ""}, ()),
        # options and addresses may be mixed, as with upstream's getopt
        ([":1", "-v", ":2"], {}, (":1", ":2")),
        (["-a", "local", ":1", "-t", "4", "unix:/x"], {}, (":1", "unix:/x")),
    ],
)
def test_listen(argv, env, listen):
    options = parse_options(argv, env)
    assert options.listen == listen
    assert options.inetd is (not listen)


# --- -t, --max-connections ----------------------------------------------------------------


@pytest.mark.parametrize(("text", "threads"), [("2", 2), ("20", 20), ("1024", 1024)])
def test_threads_range(text, threads):
    assert parse("-t", text).threads == threads


@pytest.mark.parametrize("text", ["1", "1025", "0", "-3", "many", ""])
def test_threads_out_of_range(text):
    with pytest.raises(UsageError):
        parse("-t", text)


@pytest.mark.parametrize("text", ["0", "-1", "x", "1.5"])
def test_max_connections_invalid(text):
    with pytest.raises(UsageError):
        parse("--max-connections", text)
    with pytest.raises(UsageError):
        parse_options([], {"SLURMRESTD_MAX_CONNECTIONS": text})


def test_max_connections_minimum():
    assert parse("--max-connections", "1").max_connections == 1


# --- verbosity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "level"),
    [([], 3), (["-v"], 4), (["-v", "-v"], 5), (["-vvv"], 6), (["-v"] * 20, 10)],
)
def test_v_raises_debug_level(argv, level):
    assert parse(*argv).debug_level == level


@pytest.mark.parametrize("text", [str(n) for n in range(1, 11)])
def test_slurmrestd_debug_range(text):
    assert parse_options([], {"SLURMRESTD_DEBUG": text}).debug_level == int(text)


@pytest.mark.parametrize("text", ["0", "11", "-1", "debug", "3.5"])
def test_slurmrestd_debug_out_of_range(text):
    with pytest.raises(UsageError, match="SLURMRESTD_DEBUG"):
        parse_options([], {"SLURMRESTD_DEBUG": text})


def test_v_adds_to_slurmrestd_debug():
    assert parse_options(["-v", "-v"], {"SLURMRESTD_DEBUG": "6"}).debug_level == 8
    assert parse_options(["-vvvv"], {"SLURMRESTD_DEBUG": "9"}).debug_level == 10


# --- SLURMRESTD_SECURITY ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("disable_unshare_sysv", {"disable_unshare_sysv"}),
        ("DISABLE_USER_CHECK", {"disable_user_check"}),
        (",".join(SECURITY_FLAGS), set(SECURITY_FLAGS)),
        (" disable_unshare_files , disable_unshare_files ", {"disable_unshare_files"}),
        ("", set()),
    ],
)
def test_security_flags(text, flags):
    assert parse_options([], {"SLURMRESTD_SECURITY": text}).security == frozenset(flags)


def test_unknown_security_flag():
    with pytest.raises(UsageError) as info:
        parse_options([], {"SLURMRESTD_SECURITY": "disable_user_check,become_user"})
    assert "become_user" in str(info.value)
    for flag in SECURITY_FLAGS:
        assert flag in str(info.value)


# --- --backend, timeouts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "backend"), [("auto", "auto"), ("embedded", "embedded"), ("SLURM", "slurm")]
)
def test_backend(text, backend):
    assert parse("--backend", text).backend == backend
    assert parse_options([], {"SLURMRESTD_BACKEND": text}).backend == backend


def test_unknown_backend():
    with pytest.raises(UsageError, match="mock"):
        parse("--backend", "mock")
    with pytest.raises(UsageError, match="mock"):
        parse_options([], {"SLURMRESTD_BACKEND": "mock"})


@pytest.mark.parametrize("option", ["--read-timeout", "--idle-timeout", "--read-freshness"])
@pytest.mark.parametrize("text", ["-1", "soon"])
def test_bad_timeouts(option, text):
    with pytest.raises(UsageError):
        parse(f"{option}={text}")


@pytest.mark.parametrize(
    "name", ["SLURMRESTD_READ_TIMEOUT", "SLURMRESTD_IDLE_TIMEOUT", "SLURMRESTD_READ_FRESHNESS"]
)
def test_bad_timeout_variables(name):
    with pytest.raises(UsageError):
        parse_options([], {name: "-5"})


# --- list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "env", "kind"),
    [
        (["-a", "list"], {}, "auth"),
        (["-s", "list"], {}, "openapi"),
        (["-d", "list"], {}, "data_parser"),
        (["-s", "v0.0.38,list"], {}, "openapi"),
        ([], {"SLURMRESTD_AUTH_TYPES": "list"}, "auth"),
        (["-a", "list", "-s", "list"], {}, "auth"),
        (["-a", "local"], {}, None),
        (["-s", "lister"], {}, None),
    ],
)
def test_wants_list(argv, env, kind):
    assert parse_options(argv, env).wants_list() == kind


# --- usage errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv", [["--nope"], ["-x"], ["-a"], ["-t"], ["--max-conn", "5"], ["--backend"]]
)
def test_bad_command_line_is_usage_error(argv):
    with pytest.raises(UsageError):
        parse_options(argv, {})
