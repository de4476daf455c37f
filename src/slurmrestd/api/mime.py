"""Content negotiation: which serializer answers (Accept) and which parses (Content-Type)."""

from __future__ import annotations

import enum


class Format(enum.Enum):
    JSON = "application/json"
    YAML = "application/x-yaml"
    URLENCODED = "application/x-www-form-urlencoded"


# What each response format may be asked for as. 22.05 knew only the first two
# YAML names; newer upstream added application/yaml. We accept all three.
RESPONSE_MIME: dict[str, Format] = {
    "application/json": Format.JSON,
    "application/jsonrequest": Format.JSON,
    "application/x-yaml": Format.YAML,
    "application/yaml": Format.YAML,
    "text/yaml": Format.YAML,
    "*/*": Format.JSON,
    "application/*": Format.JSON,
}

REQUEST_MIME: dict[str, Format] = {
    "application/json": Format.JSON,
    "application/jsonrequest": Format.JSON,
    "application/x-yaml": Format.YAML,
    "application/yaml": Format.YAML,
    "text/yaml": Format.YAML,
    "application/x-www-form-urlencoded": Format.URLENCODED,
}


class UnknownMimeType(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def response_format(accept: str | None) -> tuple[Format, str]:
    """Format and Content-Type to answer with, from an Accept header.

    Raises:
        UnknownMimeType: nothing in Accept is served (HTTP 415).
    """
    if accept is None or not accept.strip():
        return Format.JSON, Format.JSON.value
    choices: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept.split(",")):
        mime, _, params = item.partition(";")
        mime = mime.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if mime and quality > 0:
            choices.append((-quality, position, mime))
    for _, _, mime in sorted(choices):
        fmt = RESPONSE_MIME.get(mime)
        if fmt is not None:
            content_type = fmt.value if mime in ("*/*", "application/*") else mime
            return fmt, content_type
    raise UnknownMimeType("Accept content type is unknown")


def request_format(content_type: str | None, body: bytes) -> Format:
    """Format of a request body; none given (or no body) means url-encoded, as upstream.

    Raises:
        UnknownMimeType: Content-Type names a format nobody parses (HTTP 415).
    """
    if not body or content_type is None or not content_type.strip():
        return Format.URLENCODED
    mime = content_type.partition(";")[0].strip().lower()
    fmt = REQUEST_MIME.get(mime)
    if fmt is None:
        raise UnknownMimeType(f"MIME type {mime!r} is unknown to any loaded plugins")
    return fmt
