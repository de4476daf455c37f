"""Start-up order, signals and the run loop of the daemon.

configure (options, slurm.conf, plugins) -> privileges and security checks ->
bind listeners (or take stdin/stdout) -> serve until SIGINT/SIGTERM -> graceful
stop. Each step fails early with upstream's `fatal:` line and exit status 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import shutil
import signal
import socket
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from slurmrestd import auth, security, version_text
from slurmrestd.api import openapi, plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.mime import Format
from slurmrestd.api.serialize import dump
from slurmrestd.auth.base import AuthContext, AuthPlugin
from slurmrestd.auth.tokens import KeyConfigError
from slurmrestd.cli import Options
from slurmrestd.cluster.base import Cluster
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.errors import SlurmError
from slurmrestd.http.connection import HttpConnection
from slurmrestd.http.inetd import InetdError, serve_stdio
from slurmrestd.http.limits import HttpLimits
from slurmrestd.http.listeners import (
    ListenError,
    UnixAddress,
    bind_tcp,
    bind_unix,
    inherited_sockets,
    parse_listen_address,
)
from slurmrestd.http.server import HttpServer
from slurmrestd.logs import fatal, setup_logging
from slurmrestd.memory import tune_allocator
from slurmrestd.slurmconf import SlurmConf, SlurmConfError, parse_file, parse_parameters

log = logging.getLogger("slurmrestd")

DEFAULT_SLURM_CONF = "/etc/slurm/slurm.conf"
SHUTDOWN_GRACE_S = 30.0
INETD_THREADS = 2


class StartupError(Exception):
    """Configuration that cannot be served; reported as fatal."""


@dataclass
class Daemon:
    """Everything built at start-up that a reload (SIGHUP) may refresh."""

    options: Options
    conf: SlurmConf | None
    auth_plugins: list[AuthPlugin]
    units: tuple[plugins.ApiUnit, ...]
    unix_paths: list[str] = field(default_factory=list)

    def remove_unix_sockets(self) -> None:
        """Remove the socket files this daemon created (not inherited ones)."""
        for path in self.unix_paths:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def reload(self, cluster: Cluster) -> None:
        """Re-read slurm.conf and JWT keys; keep the old ones on any error."""
        try:
            conf = load_conf(self.options)
            context = auth_context(conf, self.options)
            for plugin in self.auth_plugins:
                plugin.reload(context)
            cluster.reload(conf)
        except (SlurmConfError, KeyConfigError, SlurmError, OSError) as exc:
            log.error("reload failed, keeping the previous configuration: %s", exc)
            return
        self.conf = conf
        log.info("configuration reloaded")


def load_conf(options: Options) -> SlurmConf | None:
    """slurm.conf from -f / SLURM_CONF, else the default path if it exists."""
    path = options.conf_file
    if path is None:
        if not os.path.exists(DEFAULT_SLURM_CONF):
            return None
        path = DEFAULT_SLURM_CONF
    return parse_file(path)


def auth_context(conf: SlurmConf | None, options: Options | None = None) -> AuthContext:
    """Facts for auth plugins, about the identity the daemon runs as after -u/-g."""
    uid, gid = os.getuid(), os.getgid()
    if options is not None and options.user is not None:
        entry = security.resolve_user(options.user)
        uid, gid = entry.pw_uid, entry.pw_gid
    if options is not None and options.group is not None:
        gid = security.resolve_group(options.group).gr_gid
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    return AuthContext(
        daemon_uid=uid,
        daemon_gid=gid,
        daemon_user=user,
        slurm_user=conf.slurm_user if conf is not None else None,
        auth_alt_parameters=conf.get("AuthAltParameters") if conf is not None else None,
    )


def load_auth_plugins(options: Options, context: AuthContext) -> list[AuthPlugin]:
    """-a plugins in order; by default local, plus jwt when a key is configured."""
    if options.auth_types is not None:
        names = auth.plugin_names(options.auth_types)
        return [auth.load_plugin(name, context) for name in names]
    loaded: list[AuthPlugin] = [auth.load_plugin("rest_auth/local", context)]
    try:
        loaded.append(auth.load_plugin("rest_auth/jwt", context))
    except KeyConfigError as exc:
        if _jwt_key_configured(context):
            raise  # a key was asked for and cannot be used: never run without it silently
        log.info("rest_auth/jwt not loaded: %s", exc)
    return loaded


def _jwt_key_configured(context: AuthContext) -> bool:
    params = parse_parameters(context.auth_alt_parameters)
    return bool(params.get("jwt_key") or params.get("jwks"))


def print_list(kind: str) -> int:
    """-a/-s/-d list: header on stderr, one name per line on stdout (as 24.11+)."""
    header, names = {
        "auth": ("Possible REST authentication plugins:", tuple(auth.AUTH_PLUGINS)),
        "openapi": ("Possible OpenAPI plugins:", plugins.OPENAPI_PLUGINS),
        "data_parser": ("Possible data_parser plugins:", plugins.DATA_PARSERS),
    }[kind]
    print(f"slurmrestd: {header}", file=sys.stderr, flush=True)
    for name in names:
        print(name)
    return 0


def make_cluster(options: Options, conf: SlurmConf | None) -> Cluster:
    """The backend of --backend / SLURMRESTD_BACKEND.

    auto: the Slurm cluster slurm.conf names when its controller answers,
    else the embedded one (a laptop without Slurm, or a copy of slurm.conf
    for the embedded controller).

    Raises:
        StartupError: --backend slurm and no controller answers.
    """
    if options.backend == "slurm":
        return _slurm_cluster(options, conf)
    if options.backend == "auto" and _names_a_controller(conf):
        try:
            return _slurm_cluster(options, conf)
        except StartupError as exc:
            log.warning("%s; serving the embedded backend instead", exc)
    return EmbeddedCluster(conf)


def _names_a_controller(conf: SlurmConf | None) -> bool:
    """Whether slurm.conf names a slurmctld and Slurm's commands are installed."""
    if conf is None or shutil.which("scontrol") is None:
        return False
    try:
        return bool(conf.slurmctld_hosts)
    except SlurmConfError:
        return False


def _slurm_cluster(options: Options, conf: SlurmConf | None) -> Cluster:
    # Imported here: the embedded default never needs Slurm's commands.
    from slurmrestd.cluster.slurm import SlurmCluster
    from slurmrestd.cluster.slurm.commands import UNREACHABLE

    try:
        return SlurmCluster.connect(options.conf_file, conf, freshness=options.read_freshness)
    except SlurmError as exc:
        what = "unable to contact slurmctld" if exc.errno in UNREACHABLE else "unusable"
        raise StartupError(
            f"slurm backend: {what}: {exc.description or exc.text} (from {exc.source})"
        ) from None


def bind_listeners(options: Options, daemon: Daemon) -> list[socket.socket]:
    """Sockets inherited from systemd plus one or more per listen address."""
    sockets = inherited_sockets(os.environ)
    for spec in options.listen:
        address = parse_listen_address(spec)
        if isinstance(address, UnixAddress):
            sockets.append(bind_unix(address))
            daemon.unix_paths.append(address.path)
        else:
            sockets.extend(bind_tcp(address))
    return sockets


def run(options: Options) -> int:
    """Run the daemon; returns the process exit status."""
    setup_logging(options.debug_level)
    tune_allocator()
    try:
        list_kind = options.wants_list()
        if list_kind is not None:
            return print_list(list_kind)
        if options.auth_types is not None:
            auth.plugin_names(options.auth_types)  # unknown names are fatal early
        units = plugins.resolve(options.openapi_plugins, options.data_parsers)
        if options.generate_openapi_spec:
            document = openapi.document(units, info_version=version_text())
            sys.stdout.buffer.write(dump(document, Format.JSON) + b"\n")
            return 0
        # Spec files are read now, before privileges drop: nothing is read lazily later.
        openapi.document(units)
        conf = load_conf(options)
        # Keys are read before privileges drop, so a root-started daemon with -u
        # can use a key file only root and SlurmUser may read.
        auth_plugins = load_auth_plugins(options, auth_context(conf, options))
        security.drop_privileges(options.user, options.group)
        if "disable_user_check" not in options.security:
            security.check_user(conf.slurm_user if conf is not None else None)
        security.lock_down(options.security)
        daemon = Daemon(options, conf, auth_plugins, units)
        cluster = make_cluster(options, conf)
        if isinstance(cluster, EmbeddedCluster):
            cluster.start()  # open the state now: adopt surviving jobs, fail early
        # No address and no inherited socket: inetd mode (stdin/stdout).
        try:
            sockets = bind_listeners(options, daemon)
        except BaseException:
            daemon.remove_unix_sockets()
            raise
        return asyncio.run(_serve(daemon, cluster, sockets))
    except (
        auth.UnknownAuthPlugin,
        plugins.PluginError,
        security.SecurityError,
        SlurmConfError,
        KeyConfigError,
        ListenError,
        InetdError,
        StartupError,
        SlurmError,
    ) as exc:
        return fatal(str(exc))


async def _serve(daemon: Daemon, cluster: Cluster, sockets: list[socket.socket]) -> int:
    options = daemon.options
    loop = asyncio.get_running_loop()
    inetd = not sockets
    threads = INETD_THREADS if inetd else options.threads
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="worker")
    loop.set_default_executor(executor)
    operators = {"root"}
    if daemon.conf is not None and daemon.conf.slurm_user:
        operators.add(daemon.conf.slurm_user)
    app = RestApp(
        units=daemon.units,
        auth_plugins=daemon.auth_plugins,
        cluster=cluster,
        executor=executor,
        operators=frozenset(operators),
    )
    limits = HttpLimits(
        max_connections=options.max_connections,
        read_timeout=options.read_timeout,
        idle_timeout=options.idle_timeout,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, _on_stop_signal, signum, stop)
    loop.add_signal_handler(signal.SIGHUP, daemon.reload, cluster)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        if inetd:
            return await _serve_inetd(app, limits, stop)
        server = HttpServer(app, limits)
        server.start(sockets)
        app.health.ready = True
        await stop.wait()
        app.health.stopping = True
        await server.shutdown(SHUTDOWN_GRACE_S)
        log.info("shut down cleanly")
        return 0
    finally:
        daemon.remove_unix_sockets()
        cluster.close()
        executor.shutdown(wait=False, cancel_futures=True)


async def _serve_inetd(app: RestApp, limits: HttpLimits, stop: asyncio.Event) -> int:
    app.health.ready = True
    connections: list[HttpConnection] = []
    serving = asyncio.ensure_future(serve_stdio(app, limits, on_connection=connections.append))
    stopping = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if serving not in done:
        # Signalled: close now if idle, else answer what is owed within the grace time.
        for connection in connections:
            connection.shutdown()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(serving), SHUTDOWN_GRACE_S)
        return 0
    stopping.cancel()
    connection = serving.result()
    if connection.protocol_error is not None:
        log.error(
            "inetd connection ended with HTTP %d: %s",
            connection.protocol_error.status,
            connection.protocol_error.text,
        )
        return 1
    return 0


def _on_stop_signal(signum: int, stop: asyncio.Event) -> None:
    log.info("caught %s. Shutting down.", signal.Signals(signum).name)
    stop.set()
