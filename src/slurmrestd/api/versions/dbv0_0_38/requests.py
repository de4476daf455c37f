"""dbv0.0.38 POST bodies: {"<kind>": [record, ...]}, read and refused as 22.05 did.

22.05 looked up its kind's key in whatever body came (an object, a list or a
string), ignored every other key, and reported a missing or non-list value
and a list item that was not an object with texts of its own per kind; some
kinds went on (HTTP 200, nothing added), others stopped (400). These rules
are data below, measured against the real 22.05.8 daemon
(tests/slurm/test_differential_bad_bodies.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from slurmrestd.api.versions.dbv0_0_38.shape import FieldError, Shape, listed, nested
from slurmrestd.cluster.errors import Errno, error_text

T = TypeVar("T")

TEXT_NOT_FOUND = "Query parameter not found"
TEXT_NOT_LIST = "Query parameter must be a list"
TEXT_REFUSE_COMMIT = "refusing to commit after error"
TEXT_TRES_UNSUPPORTED = "Updating TRES is not currently supported."


def entry(errno: int, description: str, source: str | None = None) -> dict[str, Any]:
    """One 22.05 error object (resp_error: no "source" key when it gave none)."""
    item: dict[str, Any] = {
        "description": description,
        "error_number": int(errno),
        "error": error_text(errno),
    }
    if source is not None:
        item["source"] = source
    return item


@dataclass(frozen=True, slots=True)
class ListRule:
    """How 22.05 read one kind's list and what it said when it could not."""

    key: str  # case-sensitive: QOS was read from "QOS" only
    not_object: dict[str, Any]  # its object for a list item that is not an object
    missing_stops: bool  # a missing or non-list key: 400 (else reported, still 200)
    item_stops: bool = True  # clusters: reported only, the records before it still added


RULES: dict[str, ListRule] = {
    "accounts": ListRule(
        "accounts",
        entry(Errno.REST_INVALID_QUERY, "each account entry must be a dictionary"),
        missing_stops=False,
    ),
    "users": ListRule(
        "users",
        entry(Errno.NOT_SUPPORTED, "each user entry must be a dictionary"),
        missing_stops=True,
    ),
    "associations": ListRule(
        "associations",
        entry(Errno.REST_INVALID_QUERY, "Associations must be a list of dictionaries"),
        missing_stops=False,
    ),
    "qos": ListRule(
        "QOS",
        entry(Errno.REST_INVALID_QUERY, "each QOS entry must be a dictionary"),
        missing_stops=True,
    ),
    "wckeys": ListRule(
        "wckeys",
        {"field": "wckey", "error": "each wckey entry must be a dictionary"},
        missing_stops=True,
    ),
    "clusters": ListRule(
        "clusters",
        entry(Errno.REST_INVALID_QUERY, "each cluster entry must be a dictionary"),
        missing_stops=False,
        item_stops=False,
    ),
}


@dataclass(frozen=True, slots=True)
class ListRead(Generic[T]):
    """What 22.05 made of a body for one kind."""

    records: tuple[T, ...]  # to add (none when `stopped`)
    reported: tuple[dict[str, Any], ...]  # its error objects, in order
    stopped: bool  # refused: status 400, nothing added, a config load stops here


def read_list(body: Any, rule: ListRule, shape: Shape[T], source: str) -> ListRead[T]:
    """Raises: SlurmError naming the field of an object item that does not fit."""
    if not isinstance(body, dict) or rule.key not in body:
        problem = entry(Errno.DATA_PATH_NOT_FOUND, TEXT_NOT_FOUND, rule.key)
        return ListRead((), (problem,), rule.missing_stops)
    value = body[rule.key]
    if not isinstance(value, list):
        problem = entry(Errno.DATA_PATH_NOT_FOUND, TEXT_NOT_LIST, rule.key)
        return ListRead((), (problem,), rule.missing_stops)
    bad = next((i for i, item in enumerate(value) if not isinstance(item, dict)), None)
    try:
        records = load_records(shape, value[:bad], rule.key)  # items before it came first
    except FieldError as exc:
        raise exc.to_slurm(source) from None
    if bad is None:
        return ListRead(records, (), False)
    if rule.item_stops:
        return ListRead((), (rule.not_object,), True)
    return ListRead(records, (rule.not_object,), False)


def parse_list_body(body: Any, key: str, shape: Shape[T], source: str) -> tuple[T, ...]:
    """Records of {"<key>": [...]}, strictly (nothing else beside).

    Raises: SlurmError naming the field that does not fit.
    """
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
