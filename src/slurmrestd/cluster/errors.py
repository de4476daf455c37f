"""SlurmError and the table of Slurm error numbers with their stable texts.

Clients match on these strings, so they live here once. Numbers and texts are
Slurm's (slurm_errno.h / slurm_strerror), taken as facts.
"""

from __future__ import annotations

import enum


class Errno(enum.IntEnum):
    UNSPECIFIED = -1
    SUCCESS = 0
    EPERM = 1
    EINVAL = 22
    PROTOCOL_AUTHENTICATION_ERROR = 1007
    COMMUNICATIONS_CONNECTION_ERROR = 1001
    COMMUNICATIONS_RECEIVE_ERROR = 1003
    SOCKET_TIMEOUT = 5004
    ZERO_BYTES = 5005
    CONTROLLER_CONNECT = 1800
    CONTROLLER_SEND = 1801
    CONTROLLER_RECEIVE = 1802
    CONTROLLER_SHUTDOWN = 1803
    RATE_LIMITED = 1804
    DEFAULT_PARTITION_MISSING = 2001
    INVALID_PARTITION_NAME = 2000
    ACCESS_DENIED = 2002
    JOB_MISSING_REQUIRED_PARTITION_GROUP = 2003
    REQUESTED_NODES_NOT_IN_PARTITION = 2004
    TOO_MANY_REQUESTED_CPUS = 2005
    INVALID_NODE_COUNT = 2006
    ERROR_ON_DESC_TO_RECORD_COPY = 2007
    JOB_MISSING_SIZE_SPECIFICATION = 2008
    JOB_SCRIPT_MISSING = 2009
    USER_ID_MISSING = 2010
    DUPLICATE_JOB_ID = 2011
    PATHNAME_TOO_LONG = 2012
    NOT_TOP_PRIORITY = 2013
    REQUESTED_NODE_CONFIG_UNAVAILABLE = 2014
    REQUESTED_PART_CONFIG_UNAVAILABLE = 2015
    NODES_BUSY = 2016
    INVALID_JOB_ID = 2017
    INVALID_NODE_NAME = 2018
    WRITING_TO_FILE = 2019
    TRANSITION_STATE_NO_UPDATE = 2020
    ALREADY_DONE = 2021
    INTERCONNECT_FAILURE = 2022
    BAD_DIST = 2023
    JOB_PENDING = 2024
    BAD_TASK_COUNT = 2025
    INVALID_JOB_CREDENTIAL = 2026
    IN_STANDBY_MODE = 2027
    INVALID_NODE_STATE = 2028
    INVALID_FEATURE = 2029
    INVALID_AUTHTYPE_CHANGE = 2030
    ACTIVE_FEATURE_NOT_SUBSET = 2031
    INVALID_SCHEDTYPE_CHANGE = 2032
    INVALID_SELECTTYPE_CHANGE = 2033
    INVALID_SWITCHTYPE_CHANGE = 2034
    FRAGMENTATION = 2035
    NOT_SUPPORTED = 2036
    DISABLED = 2037
    DEPENDENCY = 2038
    BATCH_ONLY = 2039
    TASKDIST_ARBITRARY_UNSUPPORTED = 2040
    TOO_MANY_TASKS = 2041
    JOB_HELD = 2042
    INVALID_CRED_TYPE_CHANGE = 2043
    INVALID_TASK_MEMORY = 2044
    INVALID_ACCOUNT = 2045
    INVALID_PARENT_ACCOUNT = 2046
    SAME_PARENT_ACCOUNT = 2047
    INVALID_LICENSES = 2048
    NEED_RESTART = 2049
    ACCOUNTING_POLICY = 2050
    INVALID_TIME_LIMIT = 2051
    RESERVATION_ACCESS = 2052
    RESERVATION_INVALID = 2053
    INVALID_TIME_VALUE = 2054
    RESERVATION_BUSY = 2055
    RESERVATION_NOT_USABLE = 2056
    INVALID_WCKEY = 2057
    RESERVATION_OVERLAP = 2058
    PORTS_BUSY = 2059
    PORTS_INVALID = 2060
    PROLOG_RUNNING = 2061
    NO_STEPS = 2062
    INVALID_QOS = 2066
    QOS_PREEMPTION_LOOP = 2067
    NODE_NOT_AVAIL = 2068
    INVALID_CPU_COUNT = 2069
    PARTITION_NOT_AVAIL = 2070
    CIRCULAR_DEPENDENCY = 2071
    INVALID_GRES = 2072
    JOB_NOT_PENDING = 2073
    QOS_THRES = 2074
    PARTITION_IN_USE = 2075
    STEP_LIMIT = 2076
    JOB_SUSPENDED = 2077
    CAN_NOT_START_IMMEDIATELY = 2078
    INTERCONNECT_BUSY = 2079
    RESERVATION_EMPTY = 2080
    INVALID_ARRAY = 2081
    RESERVATION_NAME_DUP = 2082
    JOB_STARTED = 2083
    JOB_FINISHED = 2084
    JOB_NOT_RUNNING = 2085
    JOB_NOT_PENDING_NOR_RUNNING = 2086
    JOB_NOT_SUSPENDED = 2087
    JOB_NOT_FINISHED = 2088
    TRIGGER_DUP = 2089
    INTERNAL = 2090
    INVALID_BURST_BUFFER_CHANGE = 2091
    BURST_BUFFER_PERMISSION = 2092
    BURST_BUFFER_LIMIT = 2093
    INVALID_BURST_BUFFER_REQUEST = 2094
    PRIO_RESET_FAIL = 2095
    CANNOT_MODIFY_CRON_JOB = 2096
    INVALID_JOB_CONTAINER_CHANGE = 2097
    CANNOT_CANCEL_CRON_JOB = 2098
    INVALID_MCS_LABEL = 2099
    BURST_BUFFER_WAIT = 2100
    PARTITION_DOWN = 2101
    DUPLICATE_GRES = 2102
    JOB_SETTING_DB_INX = 2103
    RSV_ALREADY_STARTED = 2104
    SUBMISSIONS_DISABLED = 2105
    NOT_HET_JOB = 2106
    NOT_HET_JOB_LEADER = 2107
    NOT_WHOLE_HET_JOB = 2108
    CORE_RESERVATION_UPDATE = 2109
    DUPLICATE_STEP_ID = 2110
    INVALID_CORE_CNT = 2111
    X11_NOT_AVAIL = 2112
    GROUP_ID_MISSING = 2113
    BATCH_CONSTRAINT = 2114
    INVALID_TRES = 2115
    INVALID_TRES_BILLING_WEIGHTS = 2116
    INVALID_JOB_DEFAULTS = 2117
    RESERVATION_MAINT = 2118
    INVALID_GRES_TYPE = 2119
    REBOOT_IN_PROGRESS = 2120
    MULTI_KNL_CONSTRAINT = 2121
    UNSUPPORTED_GRES = 2122
    INVALID_NICE = 2123
    INVALID_TIME_MIN_LIMIT = 2124
    DEFER = 2125
    CONFIGLESS_DISABLED = 2126
    ENVIRONMENT_MISSING = 2127
    RESERVATION_NO_SKIP = 2128
    RESERVATION_USER_GROUP = 2129
    PARTITION_ASSOC = 2130
    IN_STANDBY_USE_BACKUP = 2131
    BAD_THREAD_PER_CORE = 2132
    INVALID_PREFER = 2133
    INSUFFICIENT_GRES = 2134
    REST_INVALID_QUERY = 9000
    REST_FAIL_PARSING = 9001
    REST_INVALID_JOBS_DESC = 9002
    REST_EMPTY_RESULT = 9003
    REST_MISSING_UID = 9004
    REST_MISSING_GID = 9005
    DATA_PATH_NOT_FOUND = 9200
    DATA_PTR_NULL = 9201
    DATA_CONV_FAILED = 9202
    DATA_REGEX_COMPILE = 9203
    DATA_UNKNOWN_MIME_TYPE = 9204
    DATA_TOO_LARGE = 9205
    DATA_FLAGS_INVALID_TYPE = 9206
    DATA_FLAGS_INVALID = 9207
    DATA_EXPECTED_LIST = 9208
    DATA_EXPECTED_DICT = 9209
    DATA_AMBIGUOUS_MODIFY = 9210
    DATA_AMBIGUOUS_QUERY = 9211
    DATA_PARSE_NOTHING = 9212
    DATA_INVALID_PARSER = 9213
    DATA_PARSING_DEPTH = 9214
    DB_CONNECTION = 7000
    JOBS_RUNNING_ON_ASSOC = 7001
    CLUSTER_DELETED = 7002
    ONE_CHANGE = 7003
    BAD_NAME = 7004
    OVER_ALLOCATE = 7005
    RESULT_TOO_LARGE = 7006
    DB_QUERY_TOO_WIDE = 7007
    DB_CONNECTION_INVALID = 7008
    NO_REMOVE_DEFAULT_ACCOUNT = 7009
    INVALID_CLUSTER_NAME = 7104
    AUTH_CRED_INVALID = 6000
    AUTH_BADARG = 6004
    AUTH_UNPACK = 6007
    AUTH_SKIP = 6008
    AUTH_UNABLE_TO_GENERATE_TOKEN = 6009
    NOT_IMPLEMENTED = 9300  # ours: an operation this daemon does not serve yet


# Default texts (as slurm_strerror gives them) for the numbers clients see.
ERROR_TEXT: dict[int, str] = {
    Errno.UNSPECIFIED: "Unspecified error",
    Errno.SUCCESS: "No error",
    Errno.EPERM: "Operation not permitted",
    Errno.EINVAL: "Invalid argument",
    Errno.PROTOCOL_AUTHENTICATION_ERROR: "Protocol authentication error",
    Errno.COMMUNICATIONS_CONNECTION_ERROR: "Communication connection failure",
    Errno.COMMUNICATIONS_RECEIVE_ERROR: "Message receive failure",
    Errno.SOCKET_TIMEOUT: "Socket timed out on send/recv operation",
    Errno.ZERO_BYTES: "Zero Bytes were transmitted or received",
    Errno.CONTROLLER_CONNECT: "Unable to contact slurm controller (connect failure)",
    Errno.CONTROLLER_SEND: "Unable to contact slurm controller (send failure)",
    Errno.CONTROLLER_RECEIVE: "Unable to contact slurm controller (receive failure)",
    Errno.CONTROLLER_SHUTDOWN: "Unable to contact slurm controller (shutdown failure)",
    Errno.RATE_LIMITED: "Rate limit exceeded, please retry momentarily",
    Errno.DEFAULT_PARTITION_MISSING: "No partition specified or system default partition",
    Errno.INVALID_PARTITION_NAME: "Invalid partition name specified",
    Errno.ACCESS_DENIED: "Access/permission denied",
    Errno.JOB_SCRIPT_MISSING: "Job script not specified",
    Errno.USER_ID_MISSING: "Invalid user id",
    Errno.INVALID_NODE_COUNT: "Node count specification invalid",
    Errno.INVALID_JOB_ID: "Invalid job id specified",
    Errno.INVALID_NODE_NAME: "Invalid node name specified",
    Errno.ALREADY_DONE: "Job/step already completing or completed",
    Errno.JOB_PENDING: "Job is pending execution",
    Errno.INVALID_NODE_STATE: "Invalid node state specified",
    Errno.NOT_SUPPORTED: "Requested operation not supported on this system",
    Errno.DEPENDENCY: "Job dependency problem",
    Errno.JOB_HELD: "Job is in held state, pending scheduler release",
    Errno.INVALID_ACCOUNT: "Invalid account or account/partition combination specified",
    Errno.INVALID_LICENSES: "Invalid license specification",
    Errno.REQUESTED_NODES_NOT_IN_PARTITION: "Requested nodes not in this partition",
    Errno.NODES_BUSY: "Requested nodes are busy",
    Errno.ACCOUNTING_POLICY: (
        "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)"
    ),
    Errno.ACTIVE_FEATURE_NOT_SUBSET: "Active features not subset of available features",
    Errno.RESERVATION_ACCESS: "Access denied to requested reservation",
    Errno.RESERVATION_BUSY: "Requested reservation is in use",
    Errno.RESERVATION_OVERLAP: "Requested reservation overlaps with another reservation",
    Errno.PARTITION_IN_USE: "Partition is in use",
    Errno.RESERVATION_EMPTY: "Reservation request lacks users, groups or accounts",
    Errno.GROUP_ID_MISSING: "Invalid group id",
    Errno.TOO_MANY_REQUESTED_CPUS: "More processors requested than permitted",
    Errno.REQUESTED_NODE_CONFIG_UNAVAILABLE: "Requested node configuration is not available",
    Errno.REQUESTED_PART_CONFIG_UNAVAILABLE: "Requested partition configuration not available now",
    Errno.TRANSITION_STATE_NO_UPDATE: "Job can not be altered now, try again later",
    Errno.DISABLED: "Requested operation is presently disabled",
    Errno.PARTITION_NOT_AVAIL: "Required partition not available (inactive or drain)",
    Errno.INVALID_PARENT_ACCOUNT: "Invalid parent account specified",
    Errno.INVALID_TRES: "Invalid Trackable RESource (TRES) specification",
    Errno.JOBS_RUNNING_ON_ASSOC: "Job(s) active, cancel job(s) before remove",
    Errno.NO_REMOVE_DEFAULT_ACCOUNT: "You can not remove the default account of a user",
    Errno.INVALID_TIME_LIMIT: "Requested time limit is invalid (missing or exceeds some limit)",
    Errno.RESERVATION_INVALID: "Requested reservation is invalid",
    Errno.INVALID_TIME_VALUE: "Invalid time specified",
    Errno.INVALID_WCKEY: "Invalid wckey specification",
    Errno.INVALID_QOS: "Invalid qos specification",
    Errno.JOB_NOT_PENDING: "Job is no longer pending execution",
    Errno.INVALID_ARRAY: "Invalid job array specification",
    Errno.RESERVATION_NAME_DUP: "Duplicate reservation name",
    Errno.JOB_NOT_RUNNING: "Job is not running",
    Errno.JOB_FINISHED: "Job has already finished",
    Errno.INVALID_NICE: "Invalid --nice value",
    Errno.ENVIRONMENT_MISSING: "Environment is missing in job",
    Errno.REST_INVALID_QUERY: "Query empty or not RFC7320 compliant",
    Errno.REST_FAIL_PARSING: "Failure during parsing",
    Errno.REST_INVALID_JOBS_DESC: (
        "Jobs description entry not found, empty or not dictionary or list"
    ),
    Errno.REST_EMPTY_RESULT: "Nothing found with query",
    Errno.REST_MISSING_UID: "Missing UNIX user in the system",
    Errno.REST_MISSING_GID: "Missing UNIX group in the system",
    Errno.DATA_PATH_NOT_FOUND: "Unable to resolve path",
    Errno.DATA_CONV_FAILED: "Unable to convert Data type",
    Errno.DATA_UNKNOWN_MIME_TYPE: "MIME type is unknown to any loaded plugins",
    Errno.DATA_TOO_LARGE: "DATA too large to handle",
    Errno.DATA_EXPECTED_LIST: "Data parser expected a list",
    Errno.DATA_EXPECTED_DICT: "Data parser expected a dictionary or object",
    Errno.DATA_PARSE_NOTHING: "Request to parse empty string rejected",
    Errno.DB_CONNECTION: "Unable to connect to database",
    Errno.BAD_NAME: "Unacceptable name given. (No '.' in name allowed)",
    Errno.AUTH_CRED_INVALID: "Invalid authentication credential",
    Errno.NOT_IMPLEMENTED: "Operation not implemented by this daemon",
    Errno.INVALID_CLUSTER_NAME: "Invalid cluster name",
    # The other numbers above, with slurm_strerror()'s 22.05 text.
    Errno.JOB_MISSING_REQUIRED_PARTITION_GROUP: "User's group not permitted to use this partition",
    Errno.ERROR_ON_DESC_TO_RECORD_COPY: "Unable to create job record, try again",
    Errno.JOB_MISSING_SIZE_SPECIFICATION: "Job size specification needs to be provided",
    Errno.DUPLICATE_JOB_ID: "Duplicate job id",
    Errno.PATHNAME_TOO_LONG: "Pathname of a file, directory or other parameter too long",
    Errno.NOT_TOP_PRIORITY: "Immediate execution impossible, insufficient priority",
    Errno.WRITING_TO_FILE: "I/O error writing script/environment to file",
    Errno.INTERCONNECT_FAILURE: "Error configuring interconnect",
    Errno.BAD_DIST: "Task distribution specification invalid",
    Errno.BAD_TASK_COUNT: "Task count specification invalid",
    Errno.INVALID_JOB_CREDENTIAL: "Error generating job credential",
    Errno.IN_STANDBY_MODE: "Slurm backup controller in standby mode",
    Errno.INVALID_FEATURE: "Invalid feature specification",
    Errno.INVALID_AUTHTYPE_CHANGE: (
        "AuthType change requires restart of all Slurm daemons and commands to take effect"
    ),
    Errno.INVALID_SCHEDTYPE_CHANGE: (
        "SchedulerType change requires restart of the slurmctld daemon to take effect"
    ),
    Errno.INVALID_SELECTTYPE_CHANGE: (
        "SelectType change requires restart of the slurmctld daemon to take effect"
    ),
    Errno.INVALID_SWITCHTYPE_CHANGE: (
        "SwitchType change requires restart of all Slurm daemons and jobs to take effect"
    ),
    Errno.FRAGMENTATION: "Immediate execution impossible, resources too fragmented for allocation",
    Errno.BATCH_ONLY: "Only batch jobs are accepted or processed",
    Errno.TASKDIST_ARBITRARY_UNSUPPORTED: (
        "Current SwitchType does not permit arbitrary task distribution"
    ),
    Errno.TOO_MANY_TASKS: "Requested more tasks than available processors",
    Errno.INVALID_CRED_TYPE_CHANGE: (
        "CredType change requires restart of all Slurm daemons to take effect"
    ),
    Errno.INVALID_TASK_MEMORY: "Memory required by task is not available",
    Errno.SAME_PARENT_ACCOUNT: "Account already child of parent account specified",
    Errno.NEED_RESTART: (
        "The node configuration changes that were made require "
        "restart of the slurmctld daemon to take effect"
    ),
    Errno.RESERVATION_NOT_USABLE: "Requested reservation not usable now",
    Errno.PORTS_BUSY: "Required ports are in use",
    Errno.PORTS_INVALID: "Requires more ports than can be reserved",
    Errno.PROLOG_RUNNING: "PrologSlurmctld is still running",
    Errno.NO_STEPS: "Job steps can not be run on this cluster",
    Errno.QOS_PREEMPTION_LOOP: "QOS Preemption loop detected",
    Errno.NODE_NOT_AVAIL: "Required node not available (down, drained or reserved)",
    Errno.INVALID_CPU_COUNT: "CPU count specification invalid",
    Errno.CIRCULAR_DEPENDENCY: "Circular job dependency",
    Errno.INVALID_GRES: "Invalid generic resource (gres) specification",
    Errno.QOS_THRES: "Requested account has breached requested QOS usage threshold",
    Errno.STEP_LIMIT: "Step limit reached for this job",
    Errno.JOB_SUSPENDED: "Job is current suspended, requested operation disabled",
    Errno.CAN_NOT_START_IMMEDIATELY: "Job can not start immediately",
    Errno.INTERCONNECT_BUSY: "Switch resources currently not available",
    Errno.JOB_STARTED: "Job has already started",
    Errno.JOB_NOT_PENDING_NOR_RUNNING: "Job is not pending nor running",
    Errno.JOB_NOT_SUSPENDED: "Job is not suspended",
    Errno.JOB_NOT_FINISHED: "Job is not finished",
    Errno.TRIGGER_DUP: "Duplicate event trigger",
    Errno.INTERNAL: "Slurm internal error, contact system administrator",
    Errno.INVALID_BURST_BUFFER_CHANGE: (
        "BurstBufferType change requires restart of slurmctld daemon to take effect"
    ),
    Errno.BURST_BUFFER_PERMISSION: "Burst Buffer permission denied",
    Errno.BURST_BUFFER_LIMIT: "Burst Buffer resource limit exceeded",
    Errno.INVALID_BURST_BUFFER_REQUEST: "Burst Buffer request invalid",
    Errno.PRIO_RESET_FAIL: "Changes to job priority are not persistent, change nice instead",
    Errno.CANNOT_MODIFY_CRON_JOB: "Cannot modify scrontab jobs through scontrol",
    Errno.INVALID_MCS_LABEL: "Invalid mcs_label specified",
    Errno.BURST_BUFFER_WAIT: "Waiting for burst buffer",
    Errno.PARTITION_DOWN: "Partition in DOWN state",
    Errno.DUPLICATE_GRES: "Duplicate generic resource (gres) specification",
    Errno.JOB_SETTING_DB_INX: (
        "Job update not available right now, the DB index is being set, try again in a bit"
    ),
    Errno.RSV_ALREADY_STARTED: "Reservation already started",
    Errno.SUBMISSIONS_DISABLED: "System submissions disabled",
    Errno.NOT_HET_JOB: "Job not heterogeneous job",
    Errno.NOT_HET_JOB_LEADER: "Job not heterogeneous job leader",
    Errno.NOT_WHOLE_HET_JOB: "Operation not permitted on individual component of heterogeneous job",
    Errno.CORE_RESERVATION_UPDATE: "Core-based reservation can not be updated",
    Errno.DUPLICATE_STEP_ID: "Duplicate job step id",
    Errno.INVALID_CORE_CNT: "Core count for reservation node list is not consistent!",
    Errno.X11_NOT_AVAIL: "X11 forwarding not available",
    Errno.BATCH_CONSTRAINT: "Job --batch option is invalid or not a subset of --constraints",
    Errno.INVALID_TRES_BILLING_WEIGHTS: "Invalid TRESBillingWeights specification",
    Errno.INVALID_JOB_DEFAULTS: "Invalid JobDefaults specification",
    Errno.RESERVATION_MAINT: "Job can not start due to maintenance reservation.",
    Errno.INVALID_GRES_TYPE: "Invalid GRES specification (with and without type identification)",
    Errno.REBOOT_IN_PROGRESS: "Reboot already in progress",
    Errno.MULTI_KNL_CONSTRAINT: (
        "Multiple KNL NUMA and/or MCDRAM constraints require use of a heterogeneous job"
    ),
    Errno.UNSUPPORTED_GRES: "Requested GRES option unsupported by configured SelectType plugin",
    Errno.INVALID_TIME_MIN_LIMIT: (
        "Invalid time-min specification (exceeds job's time or other limits)"
    ),
    Errno.DEFER: (
        "Immediate execution impossible. Individual job submission scheduling attempts deferred"
    ),
    Errno.CONFIGLESS_DISABLED: "ConfigLess mode is disabled in slurm configuration.",
    Errno.RESERVATION_NO_SKIP: "Reservation given is not skipable, try deleting instead",
    Errno.RESERVATION_USER_GROUP: (
        "Reservations can't have users and groups specified, only one or the other"
    ),
    Errno.PARTITION_ASSOC: (
        "Multiple partition job request not supported when a partition is set in the association"
    ),
    Errno.IN_STANDBY_USE_BACKUP: "Controller is in standby mode, try a different controller",
    Errno.BAD_THREAD_PER_CORE: "Cannot request more threads per core than the job allocation",
    Errno.INVALID_PREFER: "Invalid preferred feature specification",
    Errno.INSUFFICIENT_GRES: "Insufficient GRES available in allocation",
    Errno.DATA_PTR_NULL: "Data pointer is NULL",
    Errno.DATA_REGEX_COMPILE: "Unable to compile regex",
    Errno.CLUSTER_DELETED: "Cluster deleted, commit/rollback immediately",
    Errno.ONE_CHANGE: "Can only change one at a time",
    Errno.OVER_ALLOCATE: "You can not allocate more than 100% of a resource",
    Errno.RESULT_TOO_LARGE: "Query result exceeds size limit",
    Errno.DB_QUERY_TOO_WIDE: "Too wide of a date range in query",
    Errno.DB_CONNECTION_INVALID: "Database connection reference is invalid",
    Errno.AUTH_BADARG: "Bad argument to plugin function",
    Errno.AUTH_UNPACK: "Cannot unpack credential",
    Errno.AUTH_SKIP: "Authentication does not apply to request",
}


def error_text(number: int) -> str:
    """Slurm's text for an error number ("Unknown error N" if not tabled)."""
    return ERROR_TEXT.get(number, f"Unknown error {number}")


class SlurmError(Exception):
    """A failure in Slurm's terms: error number, description, and where it arose."""

    def __init__(self, errno: int, description: str = "", source: str = "") -> None:
        super().__init__(description or error_text(errno))
        self.errno = int(errno)
        self.description = description
        self.source = source

    @property
    def text(self) -> str:
        return error_text(self.errno)
