"""One sbatch option's value -> job_desc_msg_t values, by Slurm's field names.

Each converter takes one JobDescription field (or `extra` key) and returns the
wire fields it sets; job_desc.py holds the tables saying which converter serves
which field. Conversions are those Slurm's option layer makes (nice offset,
per-CPU memory bit, mail type and --signal bits, JOB_NTASKS_SET/JOB_CPUS_SET),
checked against sbatch and the real slurmrestd on the testbed. Options sbatch
22.05 parses into several fields (--distribution, --cpu-freq, --mem-bind,
--hint, --gpus*, --profile, job flags, limits) give exactly the values sbatch
sends for the same argument, proven byte for byte against the real sbatch
(tests/slurm/test_protocol_sbatch_equality.py). A value sbatch would refuse
raises InvalidOption, one this client cannot send UnsupportedOption; the
caller adds the field's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from signal import Signals
from typing import Any

from slurmrestd.api.numbers import INFINITE as CANONICAL_INFINITE
from slurmrestd.cluster.slurm.protocol.wire import (
    CORE_SPEC_THREAD,
    CPU_FREQ_GOVERNORS,
    CPU_FREQ_HIGH,
    CPU_FREQ_HIGHM1,
    CPU_FREQ_LOW,
    CPU_FREQ_MEDIUM,
    DEFAULT_WARN_TIME,
    DIST_LEVEL_CODES,
    GRES_FLAG_BITS,
    INFINITE,
    INFINITE16,
    MAIL_TYPE_BITS,
    MEM_BIND_LOCAL,
    MEM_BIND_MAP,
    MEM_BIND_MASK,
    MEM_BIND_NONE,
    MEM_BIND_PREFER,
    MEM_BIND_RANK,
    MEM_BIND_SORT,
    MEM_BIND_TYPES,
    MEM_BIND_VERBOSE,
    MEM_PER_CPU,
    NICE_OFFSET,
    NO_VAL,
    NO_VAL16,
    PROFILE_ALL,
    PROFILE_BITS,
    PROFILE_NONE,
    RLIM_INFINITY,
    RLIMIT_NAMES,
    RLIMIT_REQUESTED,
    SIGNAL_FLAG_BITS,
    SLURM_DIST_ARBITRARY,
    SLURM_DIST_NO_PACK_NODES,
    SLURM_DIST_PACK_NODES,
    SLURM_DIST_PLANE,
    SLURM_DIST_UNKNOWN,
    SUBMIT_FLAG_BITS,
    JobFlag,
)

Values = dict[str, Any]
Converter = Callable[[Any], Values]

_SIGNAL = re.compile(r"(?:([RB]+):)?(?:SIG)?([A-Z0-9]+)(?:@(\d+))?")


class InvalidOption(ValueError):
    """A value Slurm cannot hold; job_desc_values names the field."""


class UnsupportedOption(ValueError):
    """A value this client cannot send (NOT_SUPPORTED, not EINVAL)."""


def whole(limit: int) -> Callable[[Any], int]:
    """A whole number below `limit` (Slurm's NO_VAL of that width, or a flag bit)."""

    def convert(value: Any) -> int:
        is_whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not is_whole:
            raise InvalidOption(f"expected a whole number, got {value!r}")
        if not 0 <= int(value) < limit:
            raise InvalidOption(f"{value} is out of range")
        return int(value)

    return convert


def or_infinite(limit: int) -> Callable[[Any], int]:
    """Like whole, with the canonical INFINITE as Slurm's INFINITE."""
    number = whole(limit)
    return lambda value: INFINITE if value == CANONICAL_INFINITE else number(value)


def to(wire: str, convert: Callable[[Any], Any] | None = None) -> Converter:
    """Write one wire field, converted or as given."""
    return lambda value: {wire: value if convert is None else convert(value)}


def u32(wire: str) -> Converter:
    return to(wire, whole(NO_VAL))


def u16(wire: str) -> Converter:
    return to(wire, whole(NO_VAL16))


def switch(wire: str) -> Converter:
    return to(wire, lambda value: 1 if value else 0)


def flag(bit: JobFlag, unset: JobFlag | None = None) -> Converter:
    """`bit` for true; for an explicit false, `unset` when Slurm has a bit saying so."""
    if unset is None:
        return lambda value: {"bitflags": int(bit)} if value else {}
    return lambda value: {"bitflags": int(bit if value else unset)}


def counted(wire: str, limit: int, flag: JobFlag) -> Converter:
    """A count that also tells slurmctld it was asked for (JOB_NTASKS_SET, JOB_CPUS_SET)."""
    number = whole(limit)
    return lambda value: {wire: number(value), "bitflags": int(flag)}


def memory(per_cpu: bool) -> Converter:
    number = whole(MEM_PER_CPU)

    def apply(value: Any) -> Values:
        amount = 0 if value == CANONICAL_INFINITE else number(value)  # 0: all of it
        return {"pn_min_memory": (MEM_PER_CPU | amount) if per_cpu else amount}

    return apply


def nice(value: Any) -> Values:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= NICE_OFFSET:
        raise InvalidOption(f"bad nice value {value!r}")
    return {"nice": NICE_OFFSET + value}


def signal(value: Any) -> Values:
    """--signal "[R|B|RB:]SIG[@seconds]" -> warn_flags, warn_signal, warn_time."""
    match = _SIGNAL.fullmatch(str(value).strip().upper())
    if match is None:
        raise InvalidOption(f"bad signal specification {value!r}")
    prefix, name, seconds = match.groups()
    if name.isdigit():
        number = int(name)
    elif f"SIG{name}" in Signals.__members__:
        number = int(Signals[f"SIG{name}"])
    else:
        raise InvalidOption(f"unknown signal {name!r}")
    when = DEFAULT_WARN_TIME if seconds is None else int(seconds)
    if not 0 < number < 65 or when >= NO_VAL16:
        raise InvalidOption(f"bad signal specification {value!r}")
    flags = 0
    for letter in prefix or "":
        flags |= SIGNAL_FLAG_BITS[letter]
    return {"warn_flags": flags, "warn_signal": number, "warn_time": when}


def mail_type(value: Any) -> Values:
    names = value.split(",") if isinstance(value, str) else list(value)
    bits = 0
    for name in (str(n).strip().upper() for n in names):
        if name not in MAIL_TYPE_BITS:
            raise InvalidOption(f"unknown mail type {name!r}")
        bits |= MAIL_TYPE_BITS[name]
    return {"mail_type": bits}


def choice(wire: str, table: Mapping[str, int]) -> Converter:
    def apply(value: Any) -> Values:
        chosen = table.get(str(value).lower())
        if chosen is None:
            raise InvalidOption(f"unknown value {value!r}")
        return {wire: chosen}

    return apply


def tres_text(value: Any) -> str:
    """API TRES "gres/gpu:1,gres/nic" -> the "gres:gpu:1,gres:nic" form Slurm's options store."""
    items = [item.strip() for item in str(value).split(",") if item.strip()]
    return ",".join(
        "gres:" + item.removeprefix("gres/") if item.startswith("gres/") else item for item in items
    )


def environment(value: Any) -> Values:
    entries = []
    for name, text in dict(value).items():
        if not name or "=" in name or "\0" in name or "\0" in str(text):
            raise InvalidOption(f"cannot pass variable {name!r}")
        entries.append(f"{name}={text}")
    return {"environment": entries}


def thread_spec(value: Any) -> Values:
    return {"core_spec": CORE_SPEC_THREAD | whole(CORE_SPEC_THREAD)(value)}


# -- options sbatch 22.05 parses into several wire fields (slurm_opt.c, proc_args.c) --


def _text(value: Any) -> str:
    """An option argument as sbatch would get it on its command line."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidOption(f"expected text, got {value!r}")
    return str(value).strip()


def _gpu_spec(value: Any) -> str:
    """--gpus* argument -> TRES text: each comma item gets "gres:gpu:" (xfmt_tres),
    so "2" is "gres:gpu:2" and "tesla:2" is "gres:gpu:tesla:2"; no items, no text."""
    return ",".join(f"gres:gpu:{item}" for item in _text(value).split(",") if item)


def _only_text(wire: str, text: str) -> Values:
    return {wire: text} if text else {}  # sbatch leaves the field unset


def gpus(wire: str) -> Converter:
    return lambda value: _only_text(wire, _gpu_spec(value))


def tres_or_gpus(wire: str) -> Converter:
    """cpus/mem per TRES: a number is per GPU (--cpus-per-gpu); "gres/gpu:4" names its TRES."""

    def apply(value: Any) -> Values:
        text = _text(value)
        return _only_text(wire, _gpu_spec(text) if text.isdigit() else tres_text(text))

    return apply


def gpu_option(wire: str) -> Converter:
    """--gpu-bind / --gpu-freq -> "gpu:<argument>" (a leading gres/gpu: or gpu: is the same)."""

    def apply(value: Any) -> Values:
        text = _text(value)
        for prefix in ("gres/gpu:", "gres:gpu:", "gpu:"):
            text = text.removeprefix(prefix)
        if not text:
            raise InvalidOption("empty GPU option")
        return {wire: f"gpu:{text}"}

    return apply


def gres_flags(value: Any) -> Values:
    flag = GRES_FLAG_BITS.get(_text(value).lower())
    if flag is None:
        raise InvalidOption(f"unknown GRES flag {value!r}")
    return {"bitflags": int(flag)}


# Flags slurmctld sets itself: echoed back by a client they ask for nothing (as sbatch_args).
_ECHOED_FLAGS = frozenset(
    {"EXACT_TASK_COUNT_REQUESTED", "EXACT_CPU_COUNT_REQUESTED", "EXACT_MEMORY_REQUESTED",
     "USING_DEFAULT_ACCOUNT", "USING_DEFAULT_PARTITION", "USING_DEFAULT_QOS",
     "USING_DEFAULT_WCKEY", "PARTITION_ASSIGNED"}
)  # fmt: skip
_KILL_DEPENDENCY_BITS = JobFlag.KILL_INV_DEP | JobFlag.NO_KILL_INV_DEP


def job_flags(value: Any) -> Values:
    """v0.0.46 job flags -> bitflags. TEST_NOW_ONLY is a will-run query, not a
    submission; the others are states slurmctld keeps for itself."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidOption(f"expected a list of flags, got {value!r}")
    bits = 0
    for name in value:
        flag = SUBMIT_FLAG_BITS.get(str(name))
        if flag is not None:
            if flag & _KILL_DEPENDENCY_BITS:  # the later of the pair wins, as on sbatch's line
                bits &= ~_KILL_DEPENDENCY_BITS
            bits |= flag
        elif name not in _ECHOED_FLAGS:
            raise UnsupportedOption(f"job flag {name} cannot be asked for by a submitter")
    return {"bitflags": bits}


def profile(value: Any) -> Values:
    """--profile: like acct_gather_profile_from_string, names are found as substrings and
    "none" then "all" win over the rest; NOT_SET asks for nothing."""
    names = value.split(",") if isinstance(value, str) else list(value)
    words = [str(name).strip().lower() for name in names if str(name).upper() != "NOT_SET"]
    if not any(words):
        return {}
    text = ",".join(words)
    if "none" in text:
        bits = PROFILE_NONE
    elif "all" in text:
        bits = PROFILE_ALL
    else:
        bits = sum(bit for name, bit in PROFILE_BITS.items() if name in text)
    if not bits:
        raise InvalidOption(f"unknown profile {value!r}")
    return {"profile": bits}


def distribution(value: Any) -> Values:
    """--distribution: plane=<size>, or up to three levels (node:socket:core) with "*"
    for a level's default, then an optional ",pack" / ",nopack" (verify_dist_type)."""
    text = _text(value)
    if text[:5].lower() == "plane":
        _, equals, size = text.partition("=")
        if not equals or not size.isdigit() or not 0 < int(size) < NO_VAL16:
            raise InvalidOption(f"bad plane size in {value!r}")
        return {"task_dist": SLURM_DIST_PLANE, "plane_size": int(size)}
    base, _, flag = text.partition(",")
    if not base:
        raise InvalidOption(f"bad distribution {value!r}")
    dist = _pack_flag(base, SLURM_DIST_UNKNOWN) if base.lower() in _PACKING else _levels(base)
    if dist is None or (flag and (dist := _pack_flag(flag, dist)) is None):
        raise InvalidOption(f"bad distribution {value!r}")
    return {"task_dist": dist}


_PACKING = {"pack": SLURM_DIST_PACK_NODES, "nopack": SLURM_DIST_NO_PACK_NODES}


def _pack_flag(text: str, dist: int) -> int | None:
    bit = _PACKING.get(text.lower())
    return None if bit is None else dist | bit


def _levels(text: str) -> int | None:
    words = [word.lower() for word in text.split(":") if word]
    if not words or len(words) > 3:
        return None
    if len(words) == 1 and words[0] in ("arbitrary", "hostfile"):
        return SLURM_DIST_ARBITRARY
    # "*": block for nodes, cyclic for sockets, the socket's choice for cores.
    defaults = ["block", "cyclic", words[1] if len(words) > 1 else ""]
    if len(words) > 1 and words[1] == "*":
        defaults[2] = "cyclic"
    dist = 0
    for level, word in enumerate(words):
        code = DIST_LEVEL_CODES.get(defaults[level] if word == "*" else word)
        if code is None or (level == 0 and word == "fcyclic"):
            return None
        dist |= code << (4 * level)
    return dist


def _cpu_freq_number(text: str) -> int:
    """One --cpu-freq frequency: a level word (by prefix, as Slurm matches it) or kHz."""
    lower = text.lower()
    for prefix, level in (("lo", CPU_FREQ_LOW), ("highm1", CPU_FREQ_HIGHM1),
                          ("him1", CPU_FREQ_HIGHM1), ("hi", CPU_FREQ_HIGH),
                          ("med", CPU_FREQ_MEDIUM)):  # fmt: skip
        if lower.startswith(prefix):
            return level
    digits = re.match(r"\s*\+?(\d+)", text)  # strtoul: leading digits, the rest ignored
    number = min(int(digits[1]), 2**64 - 1) & 0xFFFFFFFF if digits else 0
    if not number:
        raise InvalidOption(f"unrecognized cpu frequency {text!r}")
    return number


_GOVERNOR_PREFIXES = (
    ("co", "conservative"), ("perf", "performance"), ("pow", "powersave"),
    ("user", "userspace"), ("onde", "ondemand"), ("sched", "schedutil"),
)  # fmt: skip


def _governor(text: str) -> int | None:
    lower = text.lower()
    name = next((name for prefix, name in _GOVERNOR_PREFIXES if lower.startswith(prefix)), None)
    return None if name is None else CPU_FREQ_GOVERNORS[name]


def cpu_frequency(value: Any) -> Values:
    """--cpu-freq "p1[-p2][:governor]" (cpu_freq_verify_cmdline): p1 alone is the
    maximum (or a governor), p1-p2 a range; a governor after ":" needs the range.
    The parts are cut as Slurm cuts them, at the first "-" and the first ":"."""
    text = _text(value)
    colon, dash = text.find(":"), text.find("-")
    if dash >= 0:
        first, second = text[:dash], text[dash + 1 : colon if colon > dash else None]
    else:
        first, second = text[:colon] if colon >= 0 else text, None
    low, high, governor = NO_VAL, NO_VAL, _governor(first)
    if governor is None:
        high = _cpu_freq_number(first)
    elif colon >= 0:
        raise InvalidOption(f"a governor is given twice in {value!r}")
    if second is not None:
        low, high = high, _cpu_freq_number(second)
        if low > high:
            raise InvalidOption(f"minimum above maximum in {value!r}")
    if colon >= 0:
        governor = _governor(text[colon + 1 :])
        if second is None or governor is None:
            raise InvalidOption(f"bad governor in {value!r}")
    wire = {"cpu_freq_min": low, "cpu_freq_max": high, "cpu_freq_gov": governor}
    return {name: number for name, number in wire.items() if number not in (None, NO_VAL)}


_MEM_BIND_WORDS = {"p": MEM_BIND_PREFER, "prefer": MEM_BIND_PREFER, "sort": MEM_BIND_SORT,
                   "v": MEM_BIND_VERBOSE, "verbose": MEM_BIND_VERBOSE}  # fmt: skip
_MEM_BIND_TYPE_WORDS = {"no": MEM_BIND_NONE, "none": MEM_BIND_NONE, "rank": MEM_BIND_RANK,
                        "local": MEM_BIND_LOCAL}  # fmt: skip
_MEM_BIND_LISTS = {"map_mem:": MEM_BIND_MAP, "mapmem:": MEM_BIND_MAP,
                   "mask_mem:": MEM_BIND_MASK, "maskmem:": MEM_BIND_MASK}  # fmt: skip
# Option words are split at commas not followed by a digit, keeping "map_mem:0,1" whole.
_OPTION_WORDS = re.compile(r",(?!\d)")


def memory_binding(value: Any) -> Values:
    """--mem-bind words -> mem_bind_type bits and, for map/mask, the NUMA list."""
    flags, numa = 0, None
    for word in _OPTION_WORDS.split(_text(value)):
        lower = word.lower()
        listed = next((prefix for prefix in _MEM_BIND_LISTS if lower.startswith(prefix)), None)
        if lower in _MEM_BIND_WORDS:
            flags |= _MEM_BIND_WORDS[lower]
        elif lower in ("q", "quiet"):
            flags &= ~MEM_BIND_VERBOSE
        elif lower in _MEM_BIND_TYPE_WORDS or listed is not None:
            kind = _MEM_BIND_TYPE_WORDS.get(lower) or _MEM_BIND_LISTS[listed or ""]
            flags = (flags & ~MEM_BIND_TYPES) | kind
            numa = _numa_list(word[len(listed) :], kind == MEM_BIND_MASK) if listed else None
        else:
            raise InvalidOption(f"unrecognized memory binding {word!r}")
    return {"mem_bind_type": flags} | ({"mem_bind": numa} if numa else {})


def _numa_list(text: str, masks: bool) -> str:
    """ "0*2,1" -> "0,0,1"; masks lose their "0x"."""
    if not text:
        raise InvalidOption("missing NUMA list")
    out = []
    digits = "0123456789abcdefABCDEF" if masks else "0123456789"
    for item in text.split(","):
        entry, _, count = item.partition("*")
        entry = entry.removeprefix("0x") if masks else entry
        if not entry or set(entry) - set(digits) or (count and not count.isdigit()):
            raise InvalidOption(f"bad NUMA list entry {item!r}")
        out.extend([entry] * (int(count) if count else 1))
    return ",".join(out)


# --hint words (verify_hint): fields they set; None leaves the field unset.
HINTS: dict[str, dict[str, int | None]] = {
    "compute_bound": {"sockets_per_node": None, "cores_per_socket": None, "threads_per_core": 1},
    "memory_bound": {"cores_per_socket": 1, "threads_per_core": 1},
    "multithread": {"threads_per_core": None, "ntasks_per_core": INFINITE16},
    "nomultithread": {"threads_per_core": 1},
}


def hint_words(value: Any) -> list[str]:
    words = [word.lower() for word in _OPTION_WORDS.split(_text(value))]
    unknown = [word for word in words if word not in HINTS]
    if unknown:
        raise InvalidOption(f"unrecognized hint {unknown[0]!r}")
    return words


def _rlimit(name: str, limit: Any) -> int | None:
    """One requested limit: a number, the canonical INFINITE, or a {set, infinite, number}."""
    if isinstance(limit, Mapping):
        if limit.get("infinite"):
            return RLIM_INFINITY
        if not limit.get("set", "number" in limit):
            return None
        limit = limit.get("number")
    if limit is None:
        return None
    if limit == CANONICAL_INFINITE:
        return RLIM_INFINITY
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= RLIM_INFINITY:
        raise InvalidOption(f"{name}: bad limit {limit!r}")
    return limit


def rlimit_entries(value: Any) -> list[str]:
    """SLURM_RLIMIT_<NAME>=U<soft limit>, what sbatch --propagate=<NAME> sends."""
    if not isinstance(value, Mapping):
        raise InvalidOption(f"expected limits by name, got {value!r}")
    unknown = {str(name).upper() for name in value} - set(RLIMIT_NAMES)
    if unknown:
        raise InvalidOption(f"unknown limit {sorted(unknown)[0].lower()!r}")
    by_name = {str(name).upper(): limit for name, limit in value.items()}
    entries = []
    for name in RLIMIT_NAMES:
        number = _rlimit(name.lower(), by_name.get(name))
        if number is not None:
            entries.append(f"SLURM_RLIMIT_{name}={RLIMIT_REQUESTED}{number}")
    return entries


def checked(parse: Callable[[Any], Any]) -> Converter:
    """Only validate now; the job-wide step that needs other fields writes the values."""

    def apply(value: Any) -> Values:
        parse(value)
        return {}

    return apply
