"""The request handler: authenticate, negotiate, route, parse, call, render.

This is the one function the HTTP layer calls for every complete request.
Transport-level refusals (401, 404, 405, 415, 400 for unparsable queries) are
text/plain like upstream's; everything an operation answers carries the
version's envelope. 22.05-era versions read bodies as 22.05 did: any object,
list or JSON string reaches the operation (OperationCall.raw_query), other
values and unknown body types are a plain 400.
"""

from __future__ import annotations

import functools
import grp
import logging
import re
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from slurmrestd import version_text
from slurmrestd.api import health, openapi, schema
from slurmrestd.api.call import NotModified, OperationCall
from slurmrestd.api.envelope import ClientInfo, Envelope, SlurmRelease
from slurmrestd.api.mime import (
    REQUEST_MIME,
    Format,
    UnknownMimeType,
    request_format,
    response_format,
)
from slurmrestd.api.operations import OPERATIONS, OperationHandler, operation_key
from slurmrestd.api.plugins import ApiUnit
from slurmrestd.api.prerendered import compact
from slurmrestd.api.routes import Match, RouteTable, compile_route, split_path
from slurmrestd.api.serialize import ParseError, dump, load, load_urlencoded
from slurmrestd.api.status import GENERATION_2205
from slurmrestd.auth import AUTH_FAILURE_TEXT, AuthPlugin, AuthRejected, authenticate_request
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.base import Cluster
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.http.message import HttpRequest, HttpResponse, PeerInfo
from slurmrestd.memory import Trimmer

log = logging.getLogger("slurmrestd.api")

# 22.05.8's texts, which clients and scripts already match on.
TEXT_NOT_FOUND = "Unable find requested URL. Please view /openapi/v3 for API reference."
TEXT_BAD_METHOD = (
    "Requested REST method is not defined at URL. Please view /openapi/v3 for API reference."
)
TEXT_BAD_QUERY = "Unable to parse query."
TEXT_BODY_NOT_POST = "Unexpected http body provided for non-POST method"
TEXT_BODY_AND_QUERY = "Unexpected HTTP body provided when URL Query provided"

OPENAPI_PATHS = ("/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3")

# 22.05's url-encoded reader (URL queries and bodies alike) took only these characters
# unescaped, well-formed %XX escapes other than %00, and one "=" per pair; anything
# else was a 400 (measured against the real 22.05.8 daemon).
_URLENCODED_2205 = re.compile(r"[A-Za-z0-9._~%+;&=-]*")
_BAD_ESCAPE_2205 = re.compile(r"%(?![0-9A-Fa-f]{2})|%00")
# The values 22.05 parsed a body into but refused before any operation saw it.
_SCALARS_2205 = (bool, int, float, type(None))


@dataclass(frozen=True, slots=True)
class BoundOperation:
    spec: openapi.OperationSpec
    handler: OperationHandler | None
    response_schema: str | None = None  # components.schemas name of the 200 body


def _response_schema(document: Any, spec: openapi.OperationSpec) -> str | None:
    responses = document["paths"][spec.path][spec.method.lower()].get("responses", {})
    content = responses.get("200", {}).get("content", {})
    ref = content.get("application/json", {}).get("schema", {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def _text(status: int, text: str, **kw: Any) -> HttpResponse:
    return HttpResponse(status, text.encode(), "text/plain", close=status >= 400, **kw)


class RestApp:
    """Answers HTTP requests for the loaded API units over one cluster backend."""

    def __init__(
        self,
        *,
        units: Sequence[ApiUnit],
        auth_plugins: Sequence[AuthPlugin],
        cluster: Cluster,
        executor: Executor | None = None,
        operators: frozenset[str] = frozenset({"root"}),
    ) -> None:
        self.units = tuple(units)
        self.operators = operators  # may ask /readyz?verbose: root and SlurmUser
        self.auth_plugins = list(auth_plugins)
        self.cluster = cluster
        self.executor = executor
        self.health = health.HealthState()
        self._document = openapi.document(self.units, info_version=version_text())
        self._routes: RouteTable[BoundOperation] = RouteTable()
        for spec in openapi.operations(self.units):
            handler = OPERATIONS.get(operation_key(spec.method, spec.path))
            bound = BoundOperation(spec, handler, _response_schema(self._document, spec))
            self._routes.add(compile_route(spec.method, spec.path, bound, spec.path_params))
        self._document_bytes: dict[Format, bytes] = {}
        self.trimmer = Trimmer()

    async def __call__(self, request: HttpRequest, peer: PeerInfo) -> HttpResponse:
        # Empty segments are dropped (`//openapi/v3/` is `/openapi/v3`), as the router does.
        path = "/" + "/".join(split_path(request.path))
        verbose_probe = path == "/readyz" and "verbose" in load_urlencoded_lenient(request.query)
        if request.method == "GET" and path in health.PATHS and not verbose_probe:
            return health.answer(path, self.health, self.cluster)
        try:
            identity = authenticate_request(self.auth_plugins, request, peer)
        except AuthRejected as exc:
            log.info(
                "[%s] %s %s: authentication failure: %s",
                peer.address,
                request.method,
                request.path,
                exc.reason,
            )
            return _text(401, f"{AUTH_FAILURE_TEXT}: {exc.reason}")
        if verbose_probe and request.method == "GET":
            if identity.user_name not in self.operators and identity.uid != 0:
                return _text(403, "Access/permission denied")
            return health.describe(self.health, self.cluster)
        log.debug(
            "[%s] %s %s as %s", peer.address, request.method, request.path, identity.user_name
        )
        # Upstream order: authenticate, find the path (404/405), then negotiate (415).
        is_spec = path in OPENAPI_PATHS
        if is_spec and request.method != "GET":
            return _text(405, TEXT_BAD_METHOD, headers=[("Allow", "GET")])
        match = None if is_spec else self._routes.lookup(request.method, path)
        if match is not None and match.kind is Match.NONE:
            return _text(404, TEXT_NOT_FOUND)
        if match is not None and match.kind is Match.PATH_ONLY:
            return _text(405, TEXT_BAD_METHOD, headers=[("Allow", ", ".join(match.allowed))])
        try:
            fmt, content_type = response_format(request.headers.get("accept"))
        except UnknownMimeType as exc:
            return _text(415, exc.text)
        if match is None:
            return HttpResponse(200, self._document_as(fmt), content_type)
        assert match.route is not None and match.params is not None
        bound = match.route.target
        parsed = self._parse_query(request, bound.spec.unit)
        if isinstance(parsed, HttpResponse):
            return parsed
        envelope = self._envelope(bound.spec.unit, identity, peer)
        try:
            payload = await self._call(bound, identity, match.params, parsed, envelope)
        except NotModified:
            return HttpResponse(304, b"", None)
        payload = _with_required_fields(bound, payload)
        status = envelope.status
        body = dump(envelope.render(payload), fmt)
        self.trimmer.answered(len(body))
        return HttpResponse(status, body, content_type, close=status >= 400)

    def _document_as(self, fmt: Format) -> bytes:
        data = self._document_bytes.get(fmt)
        if data is None:
            # Kept for the process's life: exact size (see prerendered.compact).
            data = self._document_bytes[fmt] = compact(dump(self._document, fmt))
        return data

    def _parse_query(
        self, request: HttpRequest, unit: ApiUnit
    ) -> tuple[dict[str, Any], Any] | HttpResponse:
        """The operation's query (the body if there is one, else the URL query) and, for a
        22.05-era body that is not an object, that body as parsed (else None)."""
        legacy = unit.generation == GENERATION_2205
        if request.body:
            if legacy and request.method != "POST":
                return _text(400, TEXT_BODY_NOT_POST)
            if request.query:
                return _text(400, TEXT_BODY_AND_QUERY)
            content_type = request.headers.get("content-type")
            if legacy:
                fmt = _body_format_2205(content_type)
                if fmt is None:  # 22.05 could not parse it: 400, never 415
                    return _text(400, TEXT_BAD_QUERY)
            else:
                try:
                    fmt = request_format(content_type, request.body)
                except UnknownMimeType as exc:
                    return _text(415, exc.text)
            data = request.body
        else:
            fmt, data = Format.URLENCODED, request.query.encode("latin-1")
        if legacy and fmt is Format.URLENCODED and _refused_by_2205(data.decode("latin-1")):
            # 22.05's clients (and their tests) rely on this 400.
            return _text(400, TEXT_BAD_QUERY)
        try:
            parsed = load(data, fmt)
        except ParseError as exc:
            log.info("unparsable query for %s %s: %s", request.method, request.path, exc)
            return _text(400, TEXT_BAD_QUERY)
        if legacy:
            return _as_2205(parsed, fmt)
        if parsed is None:
            return {}, None
        if not isinstance(parsed, dict):
            return _text(400, f"{TEXT_BAD_QUERY} Expected an object, got {type(parsed).__name__}")
        return parsed, None

    def _envelope(self, unit: ApiUnit, identity: Identity, peer: PeerInfo) -> Envelope:
        version = self.cluster.version
        release = SlurmRelease(version.major, version.minor, version.micro, self.cluster.name)
        client = ClientInfo(peer.address, identity.user_name, _group_name(identity.gid))
        return Envelope(unit=unit, release=release, client=client)

    async def _call(
        self,
        bound: BoundOperation,
        identity: Identity,
        params: Any,
        parsed: tuple[dict[str, Any], Any],
        envelope: Envelope,
    ) -> dict[str, Any] | None:
        if bound.handler is None:
            envelope.error(
                Errno.NOT_IMPLEMENTED,
                f"{bound.spec.method} {bound.spec.path} is not implemented by this daemon yet",
                bound.spec.operation_id,
            )
            return None
        call = OperationCall(
            identity=identity,
            version=bound.spec.unit.version,
            params=params,
            query=parsed[0],
            envelope=envelope,
            cluster=self.cluster,
            executor=self.executor,
            raw_query=parsed[1],
        )
        try:
            return await bound.handler(call)
        except SlurmError as exc:
            envelope.add_slurm_error(exc)
            return None


def _body_format_2205(content_type: str | None) -> Format | None:
    """How 22.05 read a body of this Content-Type (none: url-encoded); None: it could not.

    22.05 matched the whole header and took `*/*` as its first serializer, JSON. We
    still allow parameters (`; charset=utf-8`) and application/yaml, which it refused.
    """
    if content_type is None:
        return Format.URLENCODED
    mime = content_type.partition(";")[0].strip().lower()
    return Format.JSON if mime == "*/*" else REQUEST_MIME.get(mime)


def _refused_by_2205(text: str) -> bool:
    """Whether 22.05's url-encoded reader refused this query or body."""
    if not _URLENCODED_2205.fullmatch(text) or _BAD_ESCAPE_2205.search(text):
        return True
    for pair in re.split("[&;]", text):  # ";" parted pairs too: "a=1;b=2" was read
        key, equals, value = pair.partition("=")
        if (equals and not key) or "=" in value.lstrip("="):
            return True
    return False


def _as_2205(parsed: Any, fmt: Format) -> tuple[dict[str, Any], Any] | HttpResponse:
    """22.05 handed its operations any object, list or JSON string; other values were
    refused before (a YAML scalar even killed the daemon: refused here)."""
    if isinstance(parsed, dict):
        return parsed, None
    if isinstance(parsed, _SCALARS_2205) or (fmt is Format.YAML and not isinstance(parsed, list)):
        return _text(400, TEXT_BAD_QUERY)
    return {}, parsed


def _with_required_fields(
    bound: BoundOperation, payload: dict[str, Any] | None
) -> dict[str, Any] | None:
    """23.11+ answers carry every required field of their schema, failed ones too.

    Upstream dumps its (zeroed) response struct whatever happened, so an error answer
    still has e.g. `jobs: []`; clients generated from the document rely on it.
    """
    unit = bound.spec.unit
    if unit.generation == GENERATION_2205 or bound.response_schema is None:
        return payload
    result = dict(payload or {})
    for key, value in schema.minimal_value(unit.version, bound.response_schema).items():
        if key not in ("meta", "errors", "warnings"):  # the envelope's own
            result.setdefault(key, value)
    return result


def load_urlencoded_lenient(query: str) -> dict[str, str | None]:
    """The URL query as a dict, or {} when it does not parse (probes must not fail)."""
    try:
        return load_urlencoded(query)
    except (ValueError, UnicodeDecodeError):
        return {}


@functools.lru_cache(maxsize=256)
def _group_name(gid: int) -> str:
    # Cached: a group lookup (NSS) costs ~1 ms, on every request otherwise.
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
