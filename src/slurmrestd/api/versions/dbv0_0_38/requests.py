"""dbv0.0.38 POST bodies: {"<kind>": [record, ...]} with nothing else beside."""

from __future__ import annotations

from typing import Any, TypeVar

from slurmrestd.api.versions.dbv0_0_38.shape import FieldError, Shape, listed, nested
from slurmrestd.cluster.errors import Errno

T = TypeVar("T")


def parse_list_body(body: Any, key: str, shape: Shape[T], source: str) -> tuple[T, ...]:
    """Raises: SlurmError naming the field that does not fit."""
    try:
        if not isinstance(body, dict):
            raise FieldError("body", "expected object", Errno.DATA_EXPECTED_DICT)
        for name in body:
            if name != key:
                raise FieldError(name, "unknown field", Errno.DATA_PATH_NOT_FOUND)
        if key not in body:
            raise FieldError(key, "missing", Errno.DATA_PATH_NOT_FOUND)
        return load_records(shape, body[key], key)
    except FieldError as exc:
        raise exc.to_slurm(source) from None


def load_records(shape: Shape[T], value: Any, key: str) -> tuple[T, ...]:
    """The records of a body's list; a null item is refused (it would reach the store).

    Raises: FieldError naming the field that does not fit.
    """
    if isinstance(value, list):
        for index, item in enumerate(value):
            if item is None:
                raise FieldError(f"{key}[{index}]", "expected object", Errno.DATA_EXPECTED_DICT)
    return listed(nested(shape)).load(value, key)  # type: ignore[misc]
