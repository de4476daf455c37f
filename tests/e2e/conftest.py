"""Fixtures of the end-to-end tests."""

from e2e.embedded_client import jobs_daemon

__all__ = ["jobs_daemon"]
