"""The command line and environment of slurmrestd (the man page is the contract).

`parse_options` turns argv + environment into an `Options` value and does
nothing else; `main` hands it to the daemon. The environment is read first and
the command line overrides it, as upstream does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from slurmrestd import version_text
from slurmrestd.http.limits import DEFAULT_MAX_CONNECTIONS, IDLE_TIMEOUT_S, READ_TIMEOUT_S

# Seconds a slurm-backend read may be reused (cluster/slurm/freshness.py).
READ_FRESHNESS_S = 1.0

DEFAULT_THREADS = 20
MIN_THREADS, MAX_THREADS = 2, 1024  # upstream's accepted range for -t
SECURITY_FLAGS = ("disable_unshare_files", "disable_unshare_sysv", "disable_user_check")
BACKENDS = ("auto", "embedded", "slurm")

USAGE = """\
Usage: slurmrestd [OPTIONS] <[host]:port|unix:/path/to/socket>...
  With no listen address, serve one HTTP connection on stdin/stdout (inetd mode).

  -a <plugins>            Comma list of authentication plugins (rest_auth/local,
                          rest_auth/jwt; prefix optional). "list" lists them.
  -d <parsers>            Comma list of data parsers (v0.0.40 ... v0.0.46, latest).
                          "list" lists them.
  -f <file>               slurm.conf to read.
  -g <group>              Run as this group (setgid, drop supplementary groups).
  -h                      Print this help and exit.
  -s <plugins>            Comma list of OpenAPI plugins (v0.0.38, dbv0.0.38,
                          slurmctld, slurmdbd, util). "list" lists them.
  -t <threads>            Worker threads for blocking work (2-1024, default 20;
                          ignored in inetd mode).
  -u <user>               Run as this user (setuid), before opening sockets.
  -v                      More verbose; repeat for more.
  -V                      Print the version and exit.
  --max-connections <n>   Most client connections served at once (default 124).
  --generate-openapi-spec Print the OpenAPI document of the selected plugins and exit.
  --backend <name>        auto (default), embedded or slurm.
  --read-timeout <s>      Seconds a request may take to arrive (default 60; 0 = none).
  --idle-timeout <s>      Seconds an idle keep-alive connection is kept (default 300).
  --read-freshness <s>    slurm backend: seconds a read answer may be reused for the
                          same credentials (default 1; 0 = every read asks Slurm).
                          A write through this daemon is seen by the next read.

Environment:
  SLURM_CONF                      slurm.conf path (-f wins).
  SLURM_JWT                       "daemon": use JWTs towards a real Slurm (see README).
  SLURMRESTD_AUTH_TYPES           as -a.
  SLURMRESTD_BACKEND              as --backend.
  SLURMRESTD_DATA_PARSER_PLUGINS  as -d.
  SLURMRESTD_DEBUG                log level 1-10 (as -v).
  SLURMRESTD_IDLE_TIMEOUT         as --idle-timeout.
  SLURMRESTD_LISTEN               comma list of listen addresses (added to the arguments).
  SLURMRESTD_MAX_CONNECTIONS      as --max-connections.
  SLURMRESTD_OPENAPI_PLUGINS      as -s.
  SLURMRESTD_READ_FRESHNESS       as --read-freshness.
  SLURMRESTD_READ_TIMEOUT         as --read-timeout.
  SLURMRESTD_SECURITY             comma list of disable_unshare_files,
                                  disable_unshare_sysv, disable_user_check.
"""

ENVIRONMENT_VARIABLES = (
    "SLURM_CONF",
    "SLURM_JWT",
    "SLURMRESTD_AUTH_TYPES",
    "SLURMRESTD_BACKEND",
    "SLURMRESTD_DATA_PARSER_PLUGINS",
    "SLURMRESTD_DEBUG",
    "SLURMRESTD_IDLE_TIMEOUT",
    "SLURMRESTD_LISTEN",
    "SLURMRESTD_MAX_CONNECTIONS",
    "SLURMRESTD_OPENAPI_PLUGINS",
    "SLURMRESTD_READ_FRESHNESS",
    "SLURMRESTD_READ_TIMEOUT",
    "SLURMRESTD_SECURITY",
)


class UsageError(Exception):
    """Bad command line or environment; exit status 1 with the message."""


@dataclass(frozen=True, slots=True)
class Options:
    listen: tuple[str, ...] = ()
    auth_types: tuple[str, ...] | None = None
    openapi_plugins: tuple[str, ...] | None = None
    data_parsers: tuple[str, ...] | None = None
    conf_file: str | None = None
    threads: int = DEFAULT_THREADS
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    user: str | None = None
    group: str | None = None
    debug_level: int = 3  # Slurm's scale: 2 error, 3 info, 4 verbose, 5+ debug
    security: frozenset[str] = field(default_factory=frozenset)
    backend: str = "auto"
    read_timeout: float = READ_TIMEOUT_S
    idle_timeout: float = IDLE_TIMEOUT_S
    read_freshness: float = READ_FRESHNESS_S
    jwt_mode: str | None = None  # SLURM_JWT
    show_help: bool = False
    show_version: bool = False
    generate_openapi_spec: bool = False

    @property
    def inetd(self) -> bool:
        return not self.listen

    def wants_list(self) -> str | None:
        """Which `list` was asked for (-a/-s/-d list), if any."""
        for kind, values in (
            ("auth", self.auth_types),
            ("openapi", self.openapi_plugins),
            ("data_parser", self.data_parsers),
        ):
            if values is not None and "list" in values:
                return kind
        return None


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _int(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise UsageError(f"Invalid {name} {value!r}: not a number") from None
    if not low <= number <= high:
        raise UsageError(f"Invalid {name} {number}: must be between {low} and {high}")
    return number


def _seconds(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"Invalid {name} {value!r}: not a number of seconds") from None
    if number < 0:
        raise UsageError(f"Invalid {name} {number}: must not be negative")
    return number


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _argument_parser() -> _Parser:
    p = _Parser(prog="slurmrestd", add_help=False, allow_abbrev=False)
    p.add_argument("listen", nargs="*")
    p.add_argument("-a", dest="auth")
    p.add_argument("-d", dest="data_parsers")
    p.add_argument("-f", dest="conf_file")
    p.add_argument("-g", dest="group")
    p.add_argument("-h", dest="help", action="store_true")
    p.add_argument("-s", dest="openapi")
    p.add_argument("-t", dest="threads")
    p.add_argument("-u", dest="user")
    p.add_argument("-v", dest="verbose", action="count", default=0)
    p.add_argument("-V", dest="version", action="store_true")
    p.add_argument("--max-connections", dest="max_connections")
    p.add_argument("--generate-openapi-spec", dest="generate", action="store_true")
    p.add_argument("--backend", dest="backend")
    p.add_argument("--read-timeout", dest="read_timeout")
    p.add_argument("--idle-timeout", dest="idle_timeout")
    p.add_argument("--read-freshness", dest="read_freshness")
    return p


def parse_options(argv: Sequence[str], environ: Mapping[str, str]) -> Options:
    """Options from the command line and environment.

    Raises:
        UsageError: an option or variable has a bad value.
    """
    # Intermixed: upstream's getopt permutes, so `:8080 -v unix:/x` lists two addresses.
    args = _argument_parser().parse_intermixed_args(list(argv))
    env = environ

    listen = [*args.listen, *_csv(env.get("SLURMRESTD_LISTEN", ""))]
    auth = args.auth if args.auth is not None else env.get("SLURMRESTD_AUTH_TYPES")
    openapi = args.openapi if args.openapi is not None else env.get("SLURMRESTD_OPENAPI_PLUGINS")
    parsers = (
        args.data_parsers
        if args.data_parsers is not None
        else env.get("SLURMRESTD_DATA_PARSER_PLUGINS")
    )

    threads = DEFAULT_THREADS
    if args.threads is not None:
        threads = _int("thread count", args.threads, MIN_THREADS, MAX_THREADS)

    max_conn_text = args.max_connections or env.get("SLURMRESTD_MAX_CONNECTIONS")
    max_connections = DEFAULT_MAX_CONNECTIONS
    if max_conn_text:
        max_connections = _int("max connections", max_conn_text, 1, 1_000_000)

    debug_level = 3
    if env.get("SLURMRESTD_DEBUG"):
        debug_level = _int("SLURMRESTD_DEBUG", env["SLURMRESTD_DEBUG"], 1, 10)
    debug_level = min(10, debug_level + args.verbose)

    security = frozenset(_csv(env.get("SLURMRESTD_SECURITY", "").lower()))
    unknown = sorted(security - set(SECURITY_FLAGS))
    if unknown:
        raise UsageError(
            f"Unknown SLURMRESTD_SECURITY flag {unknown[0]!r} (valid: {', '.join(SECURITY_FLAGS)})"
        )

    backend = (args.backend or env.get("SLURMRESTD_BACKEND") or "auto").lower()
    if backend not in BACKENDS:
        raise UsageError(f"Unknown backend {backend!r} (valid: {', '.join(BACKENDS)})")

    read_timeout = READ_TIMEOUT_S
    text = args.read_timeout or env.get("SLURMRESTD_READ_TIMEOUT")
    if text:
        read_timeout = _seconds("read timeout", text)
    idle_timeout = IDLE_TIMEOUT_S
    text = args.idle_timeout or env.get("SLURMRESTD_IDLE_TIMEOUT")
    if text:
        idle_timeout = _seconds("idle timeout", text)
    read_freshness = READ_FRESHNESS_S
    text = args.read_freshness or env.get("SLURMRESTD_READ_FRESHNESS")
    if text:
        read_freshness = _seconds("read freshness", text)

    return Options(
        listen=tuple(listen),
        auth_types=_csv(auth) if auth is not None else None,
        openapi_plugins=_csv(openapi) if openapi is not None else None,
        data_parsers=_csv(parsers) if parsers is not None else None,
        conf_file=args.conf_file or env.get("SLURM_CONF") or None,
        threads=threads,
        max_connections=max_connections,
        user=args.user,
        group=args.group,
        debug_level=debug_level,
        security=security,
        backend=backend,
        read_timeout=read_timeout,
        idle_timeout=idle_timeout,
        read_freshness=read_freshness,
        jwt_mode=env.get("SLURM_JWT"),
        show_help=args.help,
        show_version=args.version,
        generate_openapi_spec=args.generate,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point."""
    from slurmrestd.daemon import run  # imported late: -h/-V must stay cheap

    try:
        options = parse_options(sys.argv[1:] if argv is None else argv, os.environ)
    except UsageError as exc:
        print(f"slurmrestd: error: {exc}", file=sys.stderr)
        print("Try 'slurmrestd -h' for more information.", file=sys.stderr)
        return 1
    if options.show_help:
        sys.stdout.write(USAGE)
        return 0
    if options.show_version:
        print(version_text())
        return 0
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
