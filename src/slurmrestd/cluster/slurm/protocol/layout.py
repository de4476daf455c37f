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

Packing runs on every submission, so each layout is compiled once into a
PackPlan (cached per layout object): runs of fixed-size rows become one
struct.Struct, every segment's bytes for "all defaults" are made up front, and
packing re-encodes only the segments a value was given for. The row-by-row
`pack_fields_reference` is the definition the plan must match byte for byte.
"""

from __future__ import annotations

import enum
import struct
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


def pack_fields_reference(layout: Layout, values: Mapping[str, Any]) -> bytes:
    """Pack `values` row by row: the plain definition PackPlan must reproduce exactly.

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


def pack_fields(layout: Layout, values: Mapping[str, Any]) -> bytes:
    """Pack `values` in the layout's order; names the layout lacks are an error.

    Raises:
        KeyError: a value names no field of this layout (a caller bug, not user input).
    """
    return plan_for(layout).pack(values)


# -- compiled packing ---------------------------------------------------------

# struct codes of the fixed-size kinds ("?" packs truthiness as 0/1, as boolean() does).
_FIXED: dict[Kind, str] = {
    Kind.U8: "B",
    Kind.U16: "H",
    Kind.U32: "I",
    Kind.U64: "Q",
    Kind.BOOL: "?",
    Kind.TIME: "Q",
}
_COUNT = struct.Struct(">I")
_NULL = _COUNT.pack(0)
Encoder = Callable[[Mapping[str, Any]], bytes]


def _encode_string(value: str | None) -> bytes:
    if value is None:
        return _NULL
    data = value.encode()
    return _COUNT.pack(len(data) + 1) + data + b"\0"


def _encode_strings(values: Sequence[str] | None) -> bytes:
    items = values or ()
    return b"".join([_COUNT.pack(len(items)), *map(_encode_string, items)])


def _number_array(code: str) -> Callable[[Sequence[int] | None], bytes]:
    def encode(values: Sequence[int] | None) -> bytes:
        items = values or ()
        return struct.pack(f">I{len(items)}{code}", len(items), *items)

    return encode


def _compound(write: Callable[[Packer, Any], None]) -> Callable[[Any], bytes]:
    def encode(value: Any) -> bytes:
        packer = Packer()
        write(packer, value)
        return bytes(packer)

    return encode


_VARIABLE: dict[Kind, Callable[[Any], bytes]] = {
    Kind.STR: _encode_string,
    Kind.STR_ARRAY: _encode_strings,
    Kind.U16_ARRAY: _number_array("H"),
    Kind.U32_ARRAY: _number_array("I"),
    **{kind: _compound(write) for kind, (write, _) in _COMPOUNDS.items()},
}


def _fixed_run(fields: Sequence[Field]) -> Encoder:
    """Consecutive fixed-size rows packed by one precompiled struct."""
    codec = struct.Struct(">" + "".join(_FIXED[field.kind] for field in fields))
    pairs = tuple((field.name, field.default) for field in fields)

    def encode(values: Mapping[str, Any]) -> bytes:
        return codec.pack(*[d if (v := values.get(n)) is None else v for n, d in pairs])

    return encode


def _variable_row(field: Field) -> Encoder:
    encode_value, name, default = _VARIABLE[field.kind], field.name, field.default
    return lambda values: encode_value(default if (v := values.get(name)) is None else v)


class PackPlan:
    """A layout compiled for packing (see the module doc); build it with plan_for()."""

    __slots__ = ("_always", "_defaults", "_encoders", "_segment_of")

    def __init__(self, layout: Layout) -> None:
        groups: list[list[Field]] = []
        for field in layout:
            fixed = field.kind in _FIXED
            if fixed and groups and groups[-1][-1].kind in _FIXED:
                groups[-1].append(field)
            else:
                groups.append([field])
        self._encoders = tuple(
            _fixed_run(group) if group[0].kind in _FIXED else _variable_row(group[0])
            for group in groups
        )
        self._segment_of = {field.name: at for at, group in enumerate(groups) for field in group}
        defaults: list[bytes] = []
        always: list[int] = []
        for at, encode in enumerate(self._encoders):
            try:
                defaults.append(encode({}))
            except (struct.error, TypeError, AttributeError):
                # No packable default (a reply row): encoded, and refused, at pack time.
                defaults.append(b"")
                always.append(at)
        self._defaults = tuple(defaults)
        self._always = frozenset(always)

    def pack(self, values: Mapping[str, Any]) -> bytes:
        """As pack_fields_reference, re-encoding only the segments `values` touch.

        Raises:
            KeyError: a value names no field of this layout.
        """
        segment_of = self._segment_of
        touched = set(self._always)
        for name in values:
            at = segment_of.get(name)
            if at is None:
                unknown = sorted(set(values) - segment_of.keys())
                raise KeyError(f"fields not in this layout: {unknown}")
            touched.add(at)
        parts = list(self._defaults)
        encoders = self._encoders
        for at in touched:
            parts[at] = encoders[at](values)
        return b"".join(parts)


# Plans by id(layout); the entry keeps its layout alive, so the id cannot be reused.
# (Keyed by identity: hashing a 120-row tuple of dataclasses per call costs more
# than packing it.) Cleared if it ever fills: only tests make layouts on the fly.
_PLANS: dict[int, tuple[Layout, PackPlan]] = {}
_MAX_PLANS = 256


def plan_for(layout: Layout) -> PackPlan:
    """The compiled plan of `layout`, made on first use."""
    cached = _PLANS.get(id(layout))
    if cached is not None and cached[0] is layout:
        return cached[1]
    plan = PackPlan(layout)
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[id(layout)] = (layout, plan)
    return plan


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
