"""rest_auth plugins: the registry, loading, and the one place that runs the chain."""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from slurmrestd.auth.base import AuthContext, AuthPlugin, AuthRejected, Identity
from slurmrestd.http.message import HttpRequest, PeerInfo

AUTH_PLUGINS: dict[str, str] = {
    "rest_auth/local": "slurmrestd.auth.local:LocalAuth",
    "rest_auth/jwt": "slurmrestd.auth.jwt:JwtAuth",
}

# What the 401 body starts with; clients match on this text (upstream's
# ESLURM_REST_AUTH_FAIL string). We add the reason after it.
AUTH_FAILURE_TEXT = "Authentication failure"


class UnknownAuthPlugin(ValueError):
    pass


def plugin_names(requested: Sequence[str]) -> list[str]:
    """Full names for `-a` values (the `rest_auth/` prefix is optional).

    Raises:
        UnknownAuthPlugin: a name is not a known plugin.
    """
    names: list[str] = []
    for raw in requested:
        name = raw.strip()
        if not name:
            continue
        full = name if name.startswith("rest_auth/") else f"rest_auth/{name}"
        if full not in AUTH_PLUGINS:
            valid = ", ".join(AUTH_PLUGINS)
            raise UnknownAuthPlugin(f"Unknown REST authentication plugin {name!r} (valid: {valid})")
        if full not in names:
            names.append(full)
    if not names:
        raise UnknownAuthPlugin("No REST authentication plugin given")
    return names


def load_plugin(name: str, context: AuthContext) -> AuthPlugin:
    """Import and construct one plugin; its constructor may reject the configuration."""
    module_name, _, attr = AUTH_PLUGINS[name].partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    plugin = cls(context)
    for method in ("authenticate", "reload"):
        if not callable(getattr(plugin, method, None)):
            raise TypeError(f"{name} lacks {method}()")
    return plugin


def authenticate_request(
    plugins: Sequence[AuthPlugin], request: HttpRequest, peer: PeerInfo
) -> Identity:
    """Run the chain: the first plugin that claims the request decides.

    Raises:
        AuthRejected: a plugin rejected the request, or none applied.
    """
    for plugin in plugins:
        identity = plugin.authenticate(request, peer)
        if identity is not None:
            return identity
    raise AuthRejected("no authentication plugin applies to the request")


__all__ = [
    "AUTH_FAILURE_TEXT",
    "AUTH_PLUGINS",
    "AuthContext",
    "AuthPlugin",
    "AuthRejected",
    "Identity",
    "UnknownAuthPlugin",
    "authenticate_request",
    "load_plugin",
    "plugin_names",
]
