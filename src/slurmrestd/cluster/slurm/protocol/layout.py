"""Messages as tables of rows: (wire name, kind, default when not given).

A message body is its rows packed in order; a value missing from the input
takes the row's default (Slurm's NO_VAL family or NULL, as
slurm_init_job_desc_msg leaves a job descriptor). The same rows read the body
back, which is how the tests check the tables. A protocol version that adds,
removes or moves a field is a new tuple of rows made with `insert_after` and
`without`, not a copy of a packing function.

Most kinds are one primitive of pack.py. Two are small compounds that Slurm
writes inline where a reply has a variable part: a flagged list of addresses
and "CPU groups" (a count, then two parallel arrays only when it is not zero).
They are kinds of their own so those replies stay plain tables too.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slurmrestd.cluster.slurm.protocol.address import pack_address_list, unpack_address_list
from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker, UnpackError


class Kind(enum.Enum):
    U8 = "u8"
    U16 = "u16"
    U32 = "u32"
    U64 = "u64"
    BOOL = "boolean"
    TIME = "time"
    STR = "string"
    STR_ARRAY = "string_array"
    U16_ARRAY = "u16_array"
    U32_ARRAY = "u32_array"
    # Compounds (see the module doc and _COMPOUNDS).
    ADDRESSES = "addresses"
    CPU_GROUPS = "cpu_groups"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    default: Any = None


Layout = tuple[Field, ...]


def _pack_cpu_groups(packer: Packer, groups: Sequence[tuple[int, int]] | None) -> None:
    """(CPUs per node, how many nodes in a row have that many) pairs."""
    pairs = list(groups or ())
    packer.u32(len(pairs))
    if pairs:
        packer.u16_array([cpus for cpus, _ in pairs])
        packer.u32_array([repeats for _, repeats in pairs])


def _unpack_cpu_groups(unpacker: Unpacker) -> list[tuple[int, int]]:
    count = unpacker.u32()
    if not count:
        return []
    cpus, repeats = unpacker.u16_array(), unpacker.u32_array()
    if len(cpus) != count or len(repeats) != count:
        raise UnpackError(f"{count} CPU groups, arrays of {len(cpus)} and {len(repeats)}")
    return list(zip(cpus, repeats, strict=True))


_COMPOUNDS: dict[Kind, tuple[Callable[[Packer, Any], None], Callable[[Unpacker], Any]]] = {
    Kind.ADDRESSES: (pack_address_list, unpack_address_list),
    Kind.CPU_GROUPS: (_pack_cpu_groups, _unpack_cpu_groups),
}


def _write(packer: Packer, kind: Kind, value: Any) -> None:
    compound = _COMPOUNDS.get(kind)
    if compound is None:
        getattr(packer, kind.value)(value)
    else:
        compound[0](packer, value)


def _read(unpacker: Unpacker, kind: Kind) -> Any:
    compound = _COMPOUNDS.get(kind)
    return getattr(unpacker, kind.value)() if compound is None else compound[1](unpacker)


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
        _write(packer, field.kind, field.default if value is None else value)
    return bytes(packer)


def unpack_fields(layout: Layout, unpacker: Unpacker) -> dict[str, Any]:
    """Read one value per row, in order.

    Raises:
        UnpackError: the bytes end early or hold a bad length.
    """
    return {field.name: _read(unpacker, field.kind) for field in layout}


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
