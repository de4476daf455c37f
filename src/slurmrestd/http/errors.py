"""Protocol errors of the HTTP layer, each carrying the status it maps to."""

from __future__ import annotations


class HttpProtocolError(Exception):
    """The client broke HTTP or a limit; answered with `status` and a close."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
