"""Numbers of Slurm's wire protocol: sentinels, message types, plugin ids.

Facts taken from Slurm's headers (slurm.h, slurm_protocol_defs.h, auth and
select plugin ids); the names are Slurm's so they can be looked up there.
"""

from __future__ import annotations

import enum

# "Not set" and "unlimited" sentinels, one per integer width (slurm.h).
NO_VAL8 = 0xFE
NO_VAL16 = 0xFFFE
NO_VAL = 0xFFFFFFFE
NO_VAL64 = 0xFFFFFFFFFFFFFFFE
INFINITE16 = 0xFFFF
INFINITE = 0xFFFFFFFF
INFINITE64 = 0xFFFFFFFFFFFFFFFF

# Protocol versions: (major << 8) | minor, as Slurm numbers its RPC generations.
SLURM_22_05_PROTOCOL_VERSION = 38 << 8
SLURM_23_02_PROTOCOL_VERSION = 39 << 8

# Step id slurmctld answers for a batch submission (SLURM_BATCH_SCRIPT).
BATCH_SCRIPT_STEP = 0xFFFFFFFB

# A job's nice value travels offset by this, so negative nice fits in a uint32.
NICE_OFFSET = 0x80000000
# task_dist when no --distribution was asked for (SLURM_DIST_UNKNOWN).
SLURM_DIST_UNKNOWN = 0x2000
# Set in core_spec when the count is of threads (--thread-spec), not cores.
CORE_SPEC_THREAD = 0x8000
# Set in pn_min_memory when the amount is per CPU rather than per node.
MEM_PER_CPU = 0x8000000000000000


class MessageType(enum.IntEnum):
    """The slurm_msg_type_t values this client sends or reads."""

    REQUEST_PING = 1008
    REQUEST_LICENSE_INFO = 1021
    RESPONSE_LICENSE_INFO = 1022
    REQUEST_RESOURCE_ALLOCATION = 4001
    RESPONSE_RESOURCE_ALLOCATION = 4002
    REQUEST_SUBMIT_BATCH_JOB = 4003
    RESPONSE_SUBMIT_BATCH_JOB = 4004
    RESPONSE_SLURM_RC = 8001
    RESPONSE_SLURM_RC_MSG = 8002


class AuthPlugin(enum.IntEnum):
    """Credential plugin ids; the id is packed ahead of every credential."""

    NONE = 100
    MUNGE = 101
    JWT = 102


# SelectType -> the plugin id a job descriptor carries in 22.05 (select_plugin_type).
SELECT_PLUGIN_IDS: dict[str, int] = {
    "select/cons_res": 101,
    "select/linear": 102,
    "select/cons_tres": 109,
}
# What slurmctld runs when slurm.conf names no SelectType.
DEFAULT_SELECT_TYPE = "select/cons_tres"


class JobFlag(enum.IntFlag):
    """job_desc_msg_t.bitflags used for submissions (slurm.h SLURM_BIT numbers)."""

    KILL_INV_DEP = 1 << 0
    NO_KILL_INV_DEP = 1 << 1
    GRES_ENFORCE_BIND = 1 << 4
    SPREAD_JOB = 1 << 8
    USE_MIN_NODES = 1 << 9
    JOB_NTASKS_SET = 1 << 14
    JOB_CPUS_SET = 1 << 15
    GRES_DISABLE_BIND = 1 << 19
    USE_DEFAULT_ACCT = 1 << 25
    USE_DEFAULT_PART = 1 << 26
    USE_DEFAULT_QOS = 1 << 27
    USE_DEFAULT_WCKEY = 1 << 28


# --mail-type names -> mail_type bits; ALL is Slurm's own union.
MAIL_TYPE_BITS: dict[str, int] = {
    "NONE": 0,
    "BEGIN": 0x0001,
    "END": 0x0002,
    "FAIL": 0x0004,
    "REQUEUE": 0x0008,
    "TIME_LIMIT": 0x0010,
    "TIME_LIMIT_90": 0x0020,
    "TIME_LIMIT_80": 0x0040,
    "TIME_LIMIT_50": 0x0080,
    "STAGE_OUT": 0x0100,
    "ARRAY_TASKS": 0x0200,
    "INVALID_DEPEND": 0x0400,
    "INVALID_DEPENDENCY": 0x0400,
    "ALL": 0x0001 | 0x0002 | 0x0004 | 0x0008 | 0x0100 | 0x0400,
}

# --signal prefixes -> warn_flags bits (KILL_JOB_BATCH, KILL_JOB_RESV).
SIGNAL_FLAG_BITS: dict[str, int] = {"B": 0x0001, "R": 0x0100}
# Seconds before the time limit a --signal fires when no "@time" is given.
DEFAULT_WARN_TIME = 60

# open_mode values (OPEN_MODE_APPEND / OPEN_MODE_TRUNCATE).
OPEN_MODES: dict[str, int] = {"append": 1, "truncate": 2}

# job_desc_msg_t.shared values ("--exclusive[=...]" / "--oversubscribe").
SHARED_MODES: dict[str, int] = {"none": 0, "oversubscribe": 1, "user": 2, "mcs": 3}

# --gres-flags values -> bitflags.
GRES_FLAG_BITS: dict[str, JobFlag] = {
    "enforce-binding": JobFlag.GRES_ENFORCE_BIND,
    "disable-binding": JobFlag.GRES_DISABLE_BIND,
}

# v0.0.46 job flags a submitter can ask for (what sbatch options set), by bit.
SUBMIT_FLAG_BITS: dict[str, JobFlag] = {
    "KILL_INVALID_DEPENDENCY": JobFlag.KILL_INV_DEP,
    "NO_KILL_INVALID_DEPENDENCY": JobFlag.NO_KILL_INV_DEP,
    "SPREAD_JOB": JobFlag.SPREAD_JOB,
    "PREFER_MINIMUM_NODE_COUNT": JobFlag.USE_MIN_NODES,
    "GRES_BINDING_ENFORCED": JobFlag.GRES_ENFORCE_BIND,
    "GRES_BINDING_DISABLED": JobFlag.GRES_DISABLE_BIND,
}

# task_dist (task_dist_states_t): one code per level, node in bits 0-3, socket in
# 4-7, core in 8-11; fcyclic exists below the node level only.
DIST_LEVEL_CODES: dict[str, int] = {"cyclic": 1, "block": 2, "fcyclic": 3}
SLURM_DIST_ARBITRARY = 0x0003
SLURM_DIST_PLANE = 0x0004
SLURM_DIST_STATE_BASE = 0x00FFFF
SLURM_DIST_NO_PACK_NODES = 0x400000
SLURM_DIST_PACK_NODES = 0x800000

# --cpu-freq levels and governors (cpu_frequency.h); plain numbers are kHz.
CPU_FREQ_LOW = 0x80000001
CPU_FREQ_MEDIUM = 0x80000002
CPU_FREQ_HIGH = 0x80000003
CPU_FREQ_HIGHM1 = 0x80000004
CPU_FREQ_GOVERNORS: dict[str, int] = {
    "conservative": 0x88000000,
    "ondemand": 0x84000000,
    "performance": 0x82000000,
    "powersave": 0x81000000,
    "userspace": 0x80800000,
    "schedutil": 0x80400000,
}
# CpuFreqGovernors when slurm.conf names none (what a client may ask for).
DEFAULT_CPU_FREQ_GOVERNORS = frozenset({"ondemand", "performance", "userspace"})

# mem_bind_type bits (--mem-bind); NONE..LOCAL exclude one another.
MEM_BIND_VERBOSE = 0x01
MEM_BIND_NONE = 0x02
MEM_BIND_RANK = 0x04
MEM_BIND_MAP = 0x08
MEM_BIND_MASK = 0x10
MEM_BIND_LOCAL = 0x20
MEM_BIND_SORT = 0x40
MEM_BIND_PREFER = 0x80
MEM_BIND_TYPES = MEM_BIND_NONE | MEM_BIND_RANK | MEM_BIND_MAP | MEM_BIND_MASK | MEM_BIND_LOCAL

# --profile (acct_gather_profile) bits; "all" is every bit.
PROFILE_NONE = 0x01
PROFILE_ALL = 0xFFFFFFFF
PROFILE_BITS: dict[str, int] = {"energy": 0x02, "task": 0x04, "lustre": 0x08, "network": 0x10}

# Limits a job can carry as SLURM_RLIMIT_<NAME> (slurm_rlimits_info order), and
# the prefix saying the submitter asked for it (--propagate) rather than inherited it.
RLIMIT_NAMES = ("CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS")
RLIMIT_REQUESTED = "U"
RLIM_INFINITY = 0xFFFFFFFFFFFFFFFF
