"""Messages as tables of rows: (wire name, kind, default when not given).

A message body is its rows packed in order; a value missing from the input
takes the row's default (Slurm's NO_VAL family or NULL, as
slurm_init_job_desc_msg leaves a job descriptor). The same rows read the body
back, which is how the tests check the tables. A protocol version that adds,
removes or moves a field is a new tuple of rows made with `insert_after` and
`without`, not a copy of a packing function.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker


class Kind(enum.Enum):
    U8 = "u8"
    U16 = "u16"
    U32 = "u32"
    U64 = "u64"
    BOOL = "boolean"
    TIME = "time"
    STR = "string"
    STR_ARRAY = "string_array"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    default: Any = None


Layout = tuple[Field, ...]


def pack_fields(layout: Layout, values: Mapping[str, Any]) -> bytes:
    """Pack `values` in the layout's order; names the layout lacks are an error.

    Raises:
        KeyError: a value names no field of this layout (a caller bug, not user input).
    """
    unknown = set(values) - {field.name for field in layout}
    if unknown:
        raise KeyError(f"fields not in this layout: {sorted(unknown)}")
    packer = Packer()
    for field in layout:
        value = values.get(field.name)
        getattr(packer, field.kind.value)(field.default if value is None else value)
    return bytes(packer)


def unpack_fields(layout: Layout, unpacker: Unpacker) -> dict[str, Any]:
    """Read one value per row, in order.

    Raises:
        UnpackError: the bytes end early or hold a bad length.
    """
    return {field.name: getattr(unpacker, field.kind.value)() for field in layout}


def insert_after(layout: Layout, anchor: str, *fields: Field) -> Layout:
    """`layout` with `fields` placed right after the row named `anchor`."""
    names = [field.name for field in layout]
    at = names.index(anchor) + 1
    return (*layout[:at], *fields, *layout[at:])


def without(layout: Layout, names: Iterable[str]) -> Layout:
    """`layout` minus the rows named."""
    dropped = set(names)
    missing = dropped - {field.name for field in layout}
    if missing:
        raise KeyError(f"cannot drop fields not in this layout: {sorted(missing)}")
    return tuple(field for field in layout if field.name not in dropped)
