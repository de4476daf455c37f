"""JobDescription -> the values of a job_desc_msg_t, by Slurm's field names.

Version-neutral: the names are the struct members every protocol layout uses.
Unset fields are left out, so the layout's defaults apply. Conversions are
those Slurm's option layer makes (nice offset, per-CPU memory bit, mail type
and --signal bits, USE_DEFAULT_* flags), checked against sbatch and the real
slurmrestd on the testbed. Options sbatch 22.05 parses into several fields
(--distribution, --cpu-freq, --mem-bind, --hint, --gpus*, --profile, job
flags, limits) give exactly the values sbatch sends for the same argument,
proven byte for byte against the real sbatch (tests/slurm/
test_protocol_sbatch_equality.py); where one field's values depend on others
(hint, arbitrary layout, task counts from GPU counts, limits) a job-wide step
runs after the per-field converters. A value sbatch would refuse is EINVAL; a
field that cannot be expressed is refused with NOT_SUPPORTED naming it, never
dropped silently.
"""

from __future__ import annotations

import grp
import re
import signal
from collections.abc import Callable, Collection, Mapping
from dataclasses import fields
from typing import Any

from slurmrestd.api.numbers import INFINITE as CANONICAL_INFINITE
from slurmrestd.auth.users import USERS
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol.wire import (
    CORE_SPEC_THREAD,
    CPU_FREQ_GOVERNORS,
    CPU_FREQ_HIGH,
    CPU_FREQ_HIGHM1,
    CPU_FREQ_LOW,
    CPU_FREQ_MEDIUM,
    DEFAULT_CPU_FREQ_GOVERNORS,
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
    OPEN_MODES,
    PROFILE_ALL,
    PROFILE_BITS,
    PROFILE_NONE,
    RLIM_INFINITY,
    RLIMIT_NAMES,
    RLIMIT_REQUESTED,
    SHARED_MODES,
    SIGNAL_FLAG_BITS,
    SLURM_DIST_ARBITRARY,
    SLURM_DIST_NO_PACK_NODES,
    SLURM_DIST_PACK_NODES,
    SLURM_DIST_PLANE,
    SLURM_DIST_STATE_BASE,
    SLURM_DIST_UNKNOWN,
    SUBMIT_FLAG_BITS,
    JobFlag,
)
from slurmrestd.hostlist import expand
from slurmrestd.model.job_desc import JobDescription

SOURCE = "slurm protocol"
Values = dict[str, Any]
Converter = Callable[[Any], Values]

_SIGNAL = re.compile(r"(?:([RB]+):)?(?:SIG)?([A-Z0-9]+)(?:@(\d+))?")


class _Invalid(ValueError):
    """A value Slurm cannot hold; job_desc_values names the field."""


def _whole(limit: int) -> Callable[[Any], int]:
    """A whole number below `limit` (Slurm's NO_VAL of that width, or a flag bit)."""

    def convert(value: Any) -> int:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            raise _Invalid(f"expected a whole number, got {value!r}")
        if not 0 <= int(value) < limit:
            raise _Invalid(f"{value} is out of range")
        return int(value)

    return convert


def _or_infinite(limit: int) -> Callable[[Any], int]:
    """Like _whole, with the canonical INFINITE as Slurm's INFINITE."""
    number = _whole(limit)
    return lambda value: INFINITE if value == CANONICAL_INFINITE else number(value)


def _to(wire: str, convert: Callable[[Any], Any] | None = None) -> Converter:
    """Write one wire field, converted or as given."""
    return lambda value: {wire: value if convert is None else convert(value)}


def _u32(wire: str) -> Converter:
    return _to(wire, _whole(NO_VAL))


def _u16(wire: str) -> Converter:
    return _to(wire, _whole(NO_VAL16))


def _switch(wire: str) -> Converter:
    return _to(wire, lambda value: 1 if value else 0)


def _flag(flag: JobFlag, unset: JobFlag | None = None) -> Converter:
    """`flag` for true; for an explicit false, `unset` when Slurm has a bit saying so."""
    if unset is None:
        return lambda value: {"bitflags": int(flag)} if value else {}
    return lambda value: {"bitflags": int(flag if value else unset)}


def _counted(wire: str, limit: int, flag: JobFlag) -> Converter:
    """A count that also tells slurmctld it was asked for (JOB_NTASKS_SET, JOB_CPUS_SET)."""
    number = _whole(limit)
    return lambda value: {wire: number(value), "bitflags": int(flag)}


def _memory(per_cpu: bool) -> Converter:
    number = _whole(MEM_PER_CPU)

    def apply(value: Any) -> Values:
        amount = 0 if value == CANONICAL_INFINITE else number(value)  # 0: all of it
        return {"pn_min_memory": (MEM_PER_CPU | amount) if per_cpu else amount}

    return apply


def _nice(value: Any) -> Values:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= NICE_OFFSET:
        raise _Invalid(f"bad nice value {value!r}")
    return {"nice": NICE_OFFSET + value}


def _signal(value: Any) -> Values:
    """--signal "[R|B|RB:]SIG[@seconds]" -> warn_flags, warn_signal, warn_time."""
    match = _SIGNAL.fullmatch(str(value).strip().upper())
    if match is None:
        raise _Invalid(f"bad signal specification {value!r}")
    prefix, name, seconds = match.groups()
    if name.isdigit():
        number = int(name)
    elif f"SIG{name}" in signal.Signals.__members__:
        number = int(signal.Signals[f"SIG{name}"])
    else:
        raise _Invalid(f"unknown signal {name!r}")
    when = DEFAULT_WARN_TIME if seconds is None else int(seconds)
    if not 0 < number < 65 or when >= NO_VAL16:
        raise _Invalid(f"bad signal specification {value!r}")
    flags = 0
    for letter in prefix or "":
        flags |= SIGNAL_FLAG_BITS[letter]
    return {"warn_flags": flags, "warn_signal": number, "warn_time": when}


def _mail_type(value: Any) -> Values:
    names = value.split(",") if isinstance(value, str) else list(value)
    bits = 0
    for name in (str(n).strip().upper() for n in names):
        if name not in MAIL_TYPE_BITS:
            raise _Invalid(f"unknown mail type {name!r}")
        bits |= MAIL_TYPE_BITS[name]
    return {"mail_type": bits}


def _choice(wire: str, table: Mapping[str, int]) -> Converter:
    def apply(value: Any) -> Values:
        chosen = table.get(str(value).lower())
        if chosen is None:
            raise _Invalid(f"unknown value {value!r}")
        return {wire: chosen}

    return apply


def _tres_text(value: Any) -> str:
    """API TRES "gres/gpu:1,gres/nic" -> the "gres:gpu:1,gres:nic" form Slurm's options store."""
    items = [item.strip() for item in str(value).split(",") if item.strip()]
    return ",".join(
        "gres:" + item.removeprefix("gres/") if item.startswith("gres/") else item for item in items
    )


def _environment(value: Any) -> Values:
    entries = []
    for name, text in dict(value).items():
        if not name or "=" in name or "\0" in name or "\0" in str(text):
            raise _Invalid(f"cannot pass variable {name!r}")
        entries.append(f"{name}={text}")
    return {"environment": entries}


def _thread_spec(value: Any) -> Values:
    return {"core_spec": CORE_SPEC_THREAD | _whole(CORE_SPEC_THREAD)(value)}


# -- options sbatch 22.05 parses into several wire fields (slurm_opt.c, proc_args.c) --


def _text(value: Any) -> str:
    """An option argument as sbatch would get it on its command line."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Invalid(f"expected text, got {value!r}")
    return str(value).strip()


def _gpu_spec(value: Any) -> str:
    """--gpus* argument -> TRES text: each comma item gets "gres:gpu:" (xfmt_tres),
    so "2" is "gres:gpu:2" and "tesla:2" is "gres:gpu:tesla:2"; no items, no text."""
    return ",".join(f"gres:gpu:{item}" for item in _text(value).split(",") if item)


def _only_text(wire: str, text: str) -> Values:
    return {wire: text} if text else {}  # sbatch leaves the field unset


def _gpus(wire: str) -> Converter:
    return lambda value: _only_text(wire, _gpu_spec(value))


def _tres_or_gpus(wire: str) -> Converter:
    """cpus/mem per TRES: a number is per GPU (--cpus-per-gpu); "gres/gpu:4" names its TRES."""

    def apply(value: Any) -> Values:
        text = _text(value)
        return _only_text(wire, _gpu_spec(text) if text.isdigit() else _tres_text(text))

    return apply


def _gpu_option(wire: str) -> Converter:
    """--gpu-bind / --gpu-freq -> "gpu:<argument>" (a leading gres/gpu: or gpu: is the same)."""

    def apply(value: Any) -> Values:
        text = _text(value)
        for prefix in ("gres/gpu:", "gres:gpu:", "gpu:"):
            text = text.removeprefix(prefix)
        if not text:
            raise _Invalid("empty GPU option")
        return {wire: f"gpu:{text}"}

    return apply


def _gres_flags(value: Any) -> Values:
    flag = GRES_FLAG_BITS.get(_text(value).lower())
    if flag is None:
        raise _Invalid(f"unknown GRES flag {value!r}")
    return {"bitflags": int(flag)}


# Flags slurmctld sets itself: echoed back by a client they ask for nothing (as sbatch_args).
_ECHOED_FLAGS = frozenset(
    {"EXACT_TASK_COUNT_REQUESTED", "EXACT_CPU_COUNT_REQUESTED", "EXACT_MEMORY_REQUESTED",
     "USING_DEFAULT_ACCOUNT", "USING_DEFAULT_PARTITION", "USING_DEFAULT_QOS",
     "USING_DEFAULT_WCKEY", "PARTITION_ASSIGNED"}
)  # fmt: skip
_KILL_DEPENDENCY_BITS = JobFlag.KILL_INV_DEP | JobFlag.NO_KILL_INV_DEP


class _Unsupported(ValueError):
    """A value this client cannot send (NOT_SUPPORTED, not EINVAL)."""


def _job_flags(value: Any) -> Values:
    """v0.0.46 job flags -> bitflags. TEST_NOW_ONLY is a will-run query, not a
    submission; the others are states slurmctld keeps for itself."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise _Invalid(f"expected a list of flags, got {value!r}")
    bits = 0
    for name in value:
        flag = SUBMIT_FLAG_BITS.get(str(name))
        if flag is not None:
            if flag & _KILL_DEPENDENCY_BITS:  # the later of the pair wins, as on sbatch's line
                bits &= ~_KILL_DEPENDENCY_BITS
            bits |= flag
        elif name not in _ECHOED_FLAGS:
            raise _Unsupported(f"job flag {name} cannot be asked for by a submitter")
    return {"bitflags": bits}


def _profile(value: Any) -> Values:
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
        raise _Invalid(f"unknown profile {value!r}")
    return {"profile": bits}


def _distribution(value: Any) -> Values:
    """--distribution: plane=<size>, or up to three levels (node:socket:core) with "*"
    for a level's default, then an optional ",pack" / ",nopack" (verify_dist_type)."""
    text = _text(value)
    if text[:5].lower() == "plane":
        _, equals, size = text.partition("=")
        if not equals or not size.isdigit() or not 0 < int(size) < NO_VAL16:
            raise _Invalid(f"bad plane size in {value!r}")
        return {"task_dist": SLURM_DIST_PLANE, "plane_size": int(size)}
    base, _, flag = text.partition(",")
    if not base:
        raise _Invalid(f"bad distribution {value!r}")
    dist = _pack_flag(base, SLURM_DIST_UNKNOWN) if base.lower() in _PACKING else _levels(base)
    if dist is None or (flag and (dist := _pack_flag(flag, dist)) is None):
        raise _Invalid(f"bad distribution {value!r}")
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
        raise _Invalid(f"unrecognized cpu frequency {text!r}")
    return number


_GOVERNOR_PREFIXES = (
    ("co", "conservative"), ("perf", "performance"), ("pow", "powersave"),
    ("user", "userspace"), ("onde", "ondemand"), ("sched", "schedutil"),
)  # fmt: skip


def _governor(text: str) -> int | None:
    lower = text.lower()
    name = next((name for prefix, name in _GOVERNOR_PREFIXES if lower.startswith(prefix)), None)
    return None if name is None else CPU_FREQ_GOVERNORS[name]


def _cpu_frequency(value: Any) -> Values:
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
        raise _Invalid(f"a governor is given twice in {value!r}")
    if second is not None:
        low, high = high, _cpu_freq_number(second)
        if low > high:
            raise _Invalid(f"minimum above maximum in {value!r}")
    if colon >= 0:
        governor = _governor(text[colon + 1 :])
        if second is None or governor is None:
            raise _Invalid(f"bad governor in {value!r}")
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


def _memory_binding(value: Any) -> Values:
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
            raise _Invalid(f"unrecognized memory binding {word!r}")
    return {"mem_bind_type": flags} | ({"mem_bind": numa} if numa else {})


def _numa_list(text: str, masks: bool) -> str:
    """ "0*2,1" -> "0,0,1"; masks lose their "0x"."""
    if not text:
        raise _Invalid("missing NUMA list")
    out = []
    digits = "0123456789abcdefABCDEF" if masks else "0123456789"
    for item in text.split(","):
        entry, _, count = item.partition("*")
        entry = entry.removeprefix("0x") if masks else entry
        if not entry or set(entry) - set(digits) or (count and not count.isdigit()):
            raise _Invalid(f"bad NUMA list entry {item!r}")
        out.extend([entry] * (int(count) if count else 1))
    return ",".join(out)


# --hint words (verify_hint): fields they set; None leaves the field unset.
_HINTS: dict[str, dict[str, int | None]] = {
    "compute_bound": {"sockets_per_node": None, "cores_per_socket": None, "threads_per_core": 1},
    "memory_bound": {"cores_per_socket": 1, "threads_per_core": 1},
    "multithread": {"threads_per_core": None, "ntasks_per_core": INFINITE16},
    "nomultithread": {"threads_per_core": 1},
}


def _hint_words(value: Any) -> list[str]:
    words = [word.lower() for word in _OPTION_WORDS.split(_text(value))]
    unknown = [word for word in words if word not in _HINTS]
    if unknown:
        raise _Invalid(f"unrecognized hint {unknown[0]!r}")
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
        raise _Invalid(f"{name}: bad limit {limit!r}")
    return limit


def _rlimit_entries(value: Any) -> list[str]:
    """SLURM_RLIMIT_<NAME>=U<soft limit>, what sbatch --propagate=<NAME> sends."""
    if not isinstance(value, Mapping):
        raise _Invalid(f"expected limits by name, got {value!r}")
    unknown = {str(name).upper() for name in value} - set(RLIMIT_NAMES)
    if unknown:
        raise _Invalid(f"unknown limit {sorted(unknown)[0].lower()!r}")
    by_name = {str(name).upper(): limit for name, limit in value.items()}
    entries = []
    for name in RLIMIT_NAMES:
        number = _rlimit(name.lower(), by_name.get(name))
        if number is not None:
            entries.append(f"SLURM_RLIMIT_{name}={RLIMIT_REQUESTED}{number}")
    return entries


def _checked(parse: Callable[[Any], Any]) -> Converter:
    """Only validate now; the job-wide step that needs other fields writes the values."""

    def apply(value: Any) -> Values:
        parse(value)
        return {}

    return apply


# JobDescription fields -> wire fields (user_id/group_id/hold/exclusive: see job_desc_values).
FIELD_CONVERTERS: dict[str, Converter] = {
    "script": _to("script"),
    "name": _to("name"),
    "account": _to("account"),
    "partition": _to("partition"),
    "qos": _to("qos"),
    "reservation": _to("reservation"),
    "comment": _to("comment"),
    "admin_comment": _to("admin_comment"),
    "wckey": _to("wckey"),
    "current_working_directory": _to("work_dir"),
    "standard_input": _to("std_in"),
    "standard_output": _to("std_out"),
    "standard_error": _to("std_err"),
    "environment": _environment,
    "argv": _to("argv", lambda value: [str(item) for item in value]),
    "minimum_nodes": _u32("min_nodes"),
    "maximum_nodes": _u32("max_nodes"),
    "tasks": _counted("num_tasks", NO_VAL, JobFlag.JOB_NTASKS_SET),
    "tasks_per_node": _u16("ntasks_per_node"),
    "cpus_per_task": _counted("cpus_per_task", NO_VAL16, JobFlag.JOB_CPUS_SET),
    "minimum_cpus": _u32("min_cpus"),
    "memory_per_node": _memory(per_cpu=False),
    "memory_per_cpu": _memory(per_cpu=True),
    "constraints": _to("features"),
    "required_nodes": _to("req_nodes"),
    "excluded_nodes": _to("exc_nodes"),
    "licenses": _to("licenses"),
    "tres_per_node": _to("tres_per_node", _tres_text),
    "time_limit": _to("time_limit", _or_infinite(NO_VAL)),
    "time_minimum": _to("time_min", _or_infinite(NO_VAL)),
    "begin_time": _to("begin_time", int),
    "deadline": _to("deadline", int),
    "array": _to("array_inx"),
    "dependency": _to("dependency"),
    "priority": _to("priority", _or_infinite(NO_VAL)),
    "nice": _nice,
    "requeue": _switch("requeue"),
    "kill_on_node_fail": _switch("kill_on_node_fail"),
    "signal": _signal,
    "mail_type": _mail_type,
    "mail_user": _to("mail_user"),
    "open_mode": _choice("open_mode", OPEN_MODES),
}

# `extra` keys the version parsers produce -> wire fields.
EXTRA_CONVERTERS: dict[str, Converter] = {
    "account_gather_frequency": _to("acctg_freq"),
    "batch_features": _to("batch_features"),
    "burst_buffer": _to("burst_buffer"),
    "cluster_constraint": _to("cluster_features"),
    "container": _to("container"),
    "contiguous": _switch("contiguous"),
    "core_specification": _u16("core_spec"),
    "cores_per_socket": _u16("cores_per_socket"),
    "cpu_binding_hint": _checked(_hint_words),  # applied by _apply_hint
    "cpu_frequency": _cpu_frequency,
    "cpus_per_gpu": _tres_or_gpus("cpus_per_tres"),
    "cpus_per_tres": _tres_or_gpus("cpus_per_tres"),
    "delay_boot": _u32("delay_boot"),
    "distribution": _distribution,
    "flags": _job_flags,
    "get_user_environment": lambda value: {"environment": ["SLURM_GET_USER_ENV=1"]},
    "gpu_binding": _gpu_option("tres_bind"),
    "gpu_frequency": _gpu_option("tres_freq"),
    "gpus": _gpus("tres_per_job"),
    "gpus_per_node": _gpus("tres_per_node"),  # ahead of --gres items: see _merge
    "gpus_per_socket": _gpus("tres_per_socket"),
    "gpus_per_task": _gpus("tres_per_task"),
    "gres_flags": _gres_flags,
    "immediate": _switch("immediate"),
    # An explicit false overrides DependencyParameters=kill_invalid_depend (as sbatch's
    # --kill-on-invalid-dep=no).
    "kill_on_invalid_dependency": _flag(JobFlag.KILL_INV_DEP, JobFlag.NO_KILL_INV_DEP),
    "mcs_label": _to("mcs_label"),
    "memory_binding": _memory_binding,
    "memory_per_gpu": _tres_or_gpus("mem_per_tres"),
    "memory_per_tres": _tres_or_gpus("mem_per_tres"),
    "minimum_cpus_per_node": _u16("pn_min_cpus"),
    "network": _to("network"),
    "overcommit": _switch("overcommit"),
    "prefer": _to("prefer"),
    "profile": _profile,
    "reboot": _switch("reboot"),
    "required_switches": _u32("req_switch"),
    "rlimits": _checked(_rlimit_entries),  # applied by _apply_rlimits
    "shared": _choice("shared", SHARED_MODES),
    "sockets_per_node": _u16("sockets_per_node"),
    "spread_job": _flag(JobFlag.SPREAD_JOB),
    "tasks_per_core": _u16("ntasks_per_core"),
    "tasks_per_gpu": _u16("ntasks_per_tres"),
    "tasks_per_socket": _u16("ntasks_per_socket"),
    "tasks_per_tres": _u16("ntasks_per_tres"),
    "ntasks_per_tres": _u16("ntasks_per_tres"),
    "temporary_disk_per_node": _u32("pn_min_tmp_disk"),
    "thread_specification": _thread_spec,
    "threads_per_core": _u16("threads_per_core"),
    "tres_bind": _gpu_option("tres_bind"),
    "tres_freq": _gpu_option("tres_freq"),
    "use_minimum_nodes": _flag(JobFlag.USE_MIN_NODES),
    "wait_all_nodes": _switch("wait_all_nodes"),
}

_FIELD_NAMES = frozenset(f.name for f in fields(JobDescription)) - {"extra"}
# Handled by job_desc_values itself.
HANDLED_APART = frozenset(
    {"hold", "exclusive", "user_id", "group_id", "umask", "user_name", "group_name"}
)


# Extras whose explicit false Slurm records (a bit of its own), unlike other falses.
_SAID_FALSE = frozenset({"kill_on_invalid_dependency"})


def _empty(value: Any) -> bool:
    """Values that ask for nothing (an echoed default): unset, empty, false or zero."""
    return value is None or value is False or value == 0 or value in ("", [], (), {})


def _merge(into: Values, more: Values) -> None:
    for key, value in more.items():
        if key == "bitflags":
            into[key] = into.get(key, 0) | value
        elif key == "environment":
            _set_environment(into, value)
        elif key == "tres_per_node" and key in into:
            # --gpus-per-node items come ahead of --gres ones (as sbatch orders them)
            into[key] = f"{value},{into[key]}"
        else:
            into[key] = value


def _set_environment(values: Values, entries: list[str]) -> None:
    """Add NAME=value entries; a later entry replaces an earlier one of the same name."""
    names = {entry.partition("=")[0] for entry in entries}
    kept = [
        entry for entry in values.get("environment", ()) if entry.partition("=")[0] not in names
    ]
    values["environment"] = kept + entries


def _user_id(name: str) -> int:
    try:
        return USERS.by_name(name).pw_uid
    except KeyError:
        raise SlurmError(Errno.USER_ID_MISSING, f"no such user: {name}", SOURCE) from None


def _group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise SlurmError(Errno.GROUP_ID_MISSING, f"no such group: {name}", SOURCE) from None


def as_job_description(job: JobDescription | Mapping[str, Any]) -> JobDescription:
    """A JobDescription from itself or from a mapping of its field names (others go to extra)."""
    if isinstance(job, JobDescription):
        return job
    desc = JobDescription()
    for name, value in job.items():
        if name == "extra":
            desc.extra.update(value)
        elif name in _FIELD_NAMES:
            setattr(desc, name, value)
        else:
            desc.extra[name] = value
    return desc


def job_desc_values(
    job: JobDescription | Mapping[str, Any],
    *,
    user_id: int | None,
    group_id: int | None,
    governors: Collection[str] | None = None,
) -> Values:
    """The wire values of one batch job, for the user the credential names.

    `user_id`/`group_id` are that user's (None: let slurmctld take them from the
    credential); the job's own user_id/group_id (or user_name/group_name) win,
    and slurmctld decides whether the caller may submit for them. `governors`
    are the CPU frequency governors slurm.conf allows (CpuFreqGovernors, lower
    case; None: Slurm's default), which sbatch checks before sending.

    Raises:
        SlurmError: EINVAL for a value Slurm cannot hold; NOT_SUPPORTED for a
            field this client cannot send.
    """
    desc = as_job_description(job)
    values: Values = {}
    for name, value in desc.given().items():
        if name in HANDLED_APART:
            continue
        from_extra = name in desc.extra
        converters = EXTRA_CONVERTERS if from_extra else FIELD_CONVERTERS
        if from_extra and _empty(value) and name not in _SAID_FALSE:
            continue
        if name not in converters:
            raise SlurmError(
                Errno.NOT_SUPPORTED, f"{name} cannot be sent by the protocol client", SOURCE
            )
        try:
            _merge(values, converters[name](value))
        except _Unsupported as exc:
            raise SlurmError(Errno.NOT_SUPPORTED, f"{name}: {exc}", SOURCE) from None
        except _Invalid as exc:
            raise SlurmError(Errno.EINVAL, f"{name}: {exc}", SOURCE) from None
    for adjust in _JOB_WIDE:
        adjust(desc, values)
    _check_governor(values, DEFAULT_CPU_FREQ_GOVERNORS if governors is None else governors)
    _identity(desc, values, user_id, group_id)
    _hold_and_sharing(desc, values)
    umask = desc.extra.get("umask")
    if isinstance(umask, int) and not isinstance(umask, bool):
        values.setdefault("environment", []).append(f"SLURM_UMASK={umask:04o}")
    _merge(values, {"bitflags": int(_default_flags(desc))})
    return values


# -- job-wide steps: options whose wire values depend on other fields -----------


def _given(desc: JobDescription, name: str) -> Any:
    """An extra key's value, or None where it asks for nothing."""
    value = desc.extra.get(name)
    return None if _empty(value) else value


def _apply_hint(desc: JobDescription, values: Values) -> None:
    """--hint: dropped when threads or tasks per core are given; otherwise it replaces
    the socket/core/thread counts (sbatch 22.05, checked against it)."""
    hint = _given(desc, "cpu_binding_hint")
    if hint is None or _given(desc, "threads_per_core") or _given(desc, "tasks_per_core"):
        return
    for name in ("sockets_per_node", "cores_per_socket", "threads_per_core"):
        values.pop(name, None)
    for word in _hint_words(hint):
        for name, number in _HINTS[word].items():
            if number is None:
                values.pop(name, None)
            else:
                values[name] = number


def _apply_rlimits(desc: JobDescription, values: Values) -> None:
    # With --get-user-env sbatch propagates no limits: slurmd takes the user's own.
    limits = _given(desc, "rlimits")
    if limits is not None and not _given(desc, "get_user_environment"):
        _set_environment(values, _rlimit_entries(limits))


def _arbitrary_layout(desc: JobDescription, values: Values) -> None:
    """Arbitrary distribution lays tasks out on required_nodes: one task per node
    unless tasks are given, and the list travels in the job's environment."""
    if values.get("task_dist", 0) & SLURM_DIST_STATE_BASE != SLURM_DIST_ARBITRARY:
        return
    nodes = values.get("req_nodes")
    if not nodes:
        raise SlurmError(Errno.EINVAL, "distribution: arbitrary needs required_nodes", SOURCE)
    if desc.tasks is None:
        try:
            values["num_tasks"] = len(set(expand(nodes)))
        except ValueError as exc:
            raise SlurmError(Errno.EINVAL, f"required_nodes: {exc}", SOURCE) from None
        _merge(values, {"bitflags": int(JobFlag.JOB_NTASKS_SET)})
    _set_environment(values, [f"SLURM_ARBITRARY_NODELIST={nodes}"])


def _gpu_count(spec: Any) -> int | None:
    """The count of a one-item --gpus* value ("2", "tesla:2"); None if not plain."""
    if spec is None or isinstance(spec, bool) or "," in str(spec):
        return None
    count = str(spec).strip().rpartition(":")[2]
    return int(count) if count.isdigit() else None


def _gpu_task_count(desc: JobDescription, values: Values) -> None:
    """Task counts sbatch derives from GPU counts (gres_job_state_validate): gpus /
    gpus_per_task without tasks; ntasks_per_tres times the job's (or each node's) GPUs.
    Inconsistent requests are left for slurmctld to refuse, as it runs the same check."""
    per_job = _gpu_count(_given(desc, "gpus"))
    per_task = _gpu_count(_given(desc, "gpus_per_task"))
    per_node = _gpu_count(_given(desc, "gpus_per_node"))
    per_gpu = values.get("ntasks_per_tres")
    if per_task and per_job and desc.tasks is None and per_job % per_task == 0:
        values["num_tasks"] = per_job // per_task
    elif per_gpu and per_task is None and per_job is not None:
        values["num_tasks"] = per_gpu * per_job
    elif per_gpu and per_task is None and per_node is not None:
        values["num_tasks"] = per_gpu * per_node * (desc.minimum_nodes or 1)


_JOB_WIDE: tuple[Callable[[JobDescription, Values], None], ...] = (
    _apply_hint,
    _apply_rlimits,
    _arbitrary_layout,
    _gpu_task_count,
)


def _check_governor(values: Values, allowed: Collection[str]) -> None:
    governor = values.get("cpu_freq_gov")
    if governor is None:
        return
    name = next(name for name, bits in CPU_FREQ_GOVERNORS.items() if bits == governor)
    if name not in {item.lower() for item in allowed}:
        text = f"cpu_frequency: governor {name} is not allowed by CpuFreqGovernors"
        raise SlurmError(Errno.EINVAL, text, SOURCE)


def _identity(desc: JobDescription, values: Values, uid: int | None, gid: int | None) -> None:
    user_name, group_name = desc.extra.get("user_name"), desc.extra.get("group_name")
    if desc.user_id is not None:
        uid = desc.user_id
    elif user_name:
        uid = _user_id(str(user_name))
    if desc.group_id is not None:
        gid = desc.group_id
    elif group_name:
        gid = _group_id(str(group_name))
    for wire, number in (("user_id", uid), ("group_id", gid)):
        if number is not None:
            try:
                values[wire] = _whole(NO_VAL)(number)
            except _Invalid as exc:
                raise SlurmError(Errno.EINVAL, f"{wire}: {exc}", SOURCE) from None


def _hold_and_sharing(desc: JobDescription, values: Values) -> None:
    if desc.hold and desc.priority is None:
        values["priority"] = 0  # a held job is one of priority zero
    if desc.exclusive and "shared" not in values:
        values["shared"] = SHARED_MODES["none"]


def _default_flags(desc: JobDescription) -> int:
    """USE_DEFAULT_* for each of account, partition, QOS, wckey the job leaves to Slurm."""
    flags = 0
    for given, flag in (
        (desc.account, JobFlag.USE_DEFAULT_ACCT),
        (desc.partition, JobFlag.USE_DEFAULT_PART),
        (desc.qos, JobFlag.USE_DEFAULT_QOS),
        (desc.wckey, JobFlag.USE_DEFAULT_WCKEY),
    ):
        if not given:
            flags |= flag
    return flags
