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
    SPREAD_JOB = 1 << 8
    USE_MIN_NODES = 1 << 9
    JOB_NTASKS_SET = 1 << 14
    JOB_CPUS_SET = 1 << 15
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
