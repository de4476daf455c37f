"""Slurm 22.05 message bodies (SLURM_22_05_PROTOCOL_VERSION) as field tables.

job_desc_msg_t follows _pack_job_desc_msg of 22.05 field for field. The
defaults are what the real slurmrestd 22.05 sends for a job that sets nothing
(captured on the testbed): Slurm's NO_VAL family or NULL, except the few
fields its option layer always fills (contiguous, task_dist, the board
counts, binding and mail types).
Field names are Slurm's struct member names, so a row can be checked against
the source. `select_plugin_id` stands for the select plugin's jobinfo, which
for the non-Cray plugins is just their id; `crontab_entry_set` is the bool
that precedes a cron entry (this client never sends one).
"""

from __future__ import annotations

from slurmrestd.cluster.slurm.protocol.layout import Field, Kind, Layout
from slurmrestd.cluster.slurm.protocol.wire import (
    DEFAULT_SELECT_TYPE,
    NO_VAL,
    NO_VAL8,
    NO_VAL16,
    NO_VAL64,
    SELECT_PLUGIN_IDS,
    SLURM_DIST_UNKNOWN,
)

U8, U16, U32, U64 = Kind.U8, Kind.U16, Kind.U32, Kind.U64
STR, STRS, TIME, BOOL = Kind.STR, Kind.STR_ARRAY, Kind.TIME, Kind.BOOL
ADDRESSES, CPU_GROUPS = Kind.ADDRESSES, Kind.CPU_GROUPS

JOB_DESC: Layout = (
    Field("site_factor", U32, NO_VAL),
    Field("batch_features", STR),
    Field("cluster_features", STR),
    Field("clusters", STR),
    Field("contiguous", U16, 0),
    Field("container", STR),
    Field("core_spec", U16, NO_VAL16),
    Field("task_dist", U32, SLURM_DIST_UNKNOWN),
    Field("kill_on_node_fail", U16, NO_VAL16),
    Field("features", STR),
    Field("fed_siblings_active", U64, 0),
    Field("fed_siblings_viable", U64, 0),
    Field("job_id", U32, NO_VAL),
    Field("job_id_str", STR),
    Field("name", STR),
    Field("alloc_node", STR),
    Field("alloc_sid", U32, NO_VAL),
    Field("array_inx", STR),
    Field("burst_buffer", STR),
    Field("pn_min_cpus", U16, NO_VAL16),
    Field("pn_min_memory", U64, NO_VAL64),
    Field("pn_min_tmp_disk", U32, NO_VAL),
    Field("power_flags", U8, 0),
    Field("prefer", STR),
    Field("cpu_freq_min", U32, NO_VAL),
    Field("cpu_freq_max", U32, NO_VAL),
    Field("cpu_freq_gov", U32, NO_VAL),
    Field("partition", STR),
    Field("priority", U32, NO_VAL),
    Field("dependency", STR),
    Field("account", STR),
    Field("admin_comment", STR),
    Field("comment", STR),
    Field("nice", U32, NO_VAL),
    Field("profile", U32, 0),
    Field("qos", STR),
    Field("mcs_label", STR),
    Field("origin_cluster", STR),
    Field("open_mode", U8, 0),
    Field("overcommit", U8, NO_VAL8),
    Field("acctg_freq", STR),
    Field("num_tasks", U32, NO_VAL),
    Field("req_context", STR),
    Field("req_nodes", STR),
    Field("exc_nodes", STR),
    Field("environment", STRS),
    Field("spank_job_env", STRS),
    Field("script", STR),
    Field("argv", STRS),
    Field("std_err", STR),
    Field("std_in", STR),
    Field("std_out", STR),
    Field("submit_line", STR),
    Field("work_dir", STR),
    Field("immediate", U16, 0),
    Field("reboot", U16, NO_VAL16),
    Field("requeue", U16, NO_VAL16),
    Field("shared", U16, NO_VAL16),
    Field("cpus_per_task", U16, NO_VAL16),
    Field("ntasks_per_node", U16, NO_VAL16),
    Field("ntasks_per_board", U16, 0),
    Field("ntasks_per_socket", U16, NO_VAL16),
    Field("ntasks_per_core", U16, NO_VAL16),
    Field("ntasks_per_tres", U16, NO_VAL16),
    Field("plane_size", U16, NO_VAL16),
    Field("cpu_bind_type", U16, NO_VAL16),
    Field("mem_bind_type", U16, 0),
    Field("cpu_bind", STR),
    Field("mem_bind", STR),
    Field("time_limit", U32, NO_VAL),
    Field("time_min", U32, NO_VAL),
    Field("min_cpus", U32, NO_VAL),
    Field("max_cpus", U32, NO_VAL),
    Field("min_nodes", U32, NO_VAL),
    Field("max_nodes", U32, NO_VAL),
    Field("boards_per_node", U16, 0),
    Field("sockets_per_board", U16, 0),
    Field("sockets_per_node", U16, NO_VAL16),
    Field("cores_per_socket", U16, NO_VAL16),
    Field("threads_per_core", U16, NO_VAL16),
    Field("user_id", U32, NO_VAL),
    Field("group_id", U32, NO_VAL),
    Field("alloc_resp_port", U16, 0),
    Field("resp_host", STR),
    Field("other_port", U16, 0),
    Field("network", STR),
    Field("begin_time", TIME, 0),
    Field("end_time", TIME, 0),
    Field("deadline", TIME, 0),
    Field("licenses", STR),
    Field("mail_type", U16, 0),
    Field("mail_user", STR),
    Field("reservation", STR),
    Field("restart_cnt", U16, 0),
    Field("warn_flags", U16, 0),
    Field("warn_signal", U16, 0),
    Field("warn_time", U16, 0),
    Field("wckey", STR),
    Field("req_switch", U32, NO_VAL),
    Field("wait4switch", U32, NO_VAL),
    Field("select_plugin_id", U32, SELECT_PLUGIN_IDS[DEFAULT_SELECT_TYPE]),
    Field("wait_all_nodes", U16, NO_VAL16),
    Field("bitflags", U64, 0),
    Field("delay_boot", U32, NO_VAL),
    Field("extra", STR),
    Field("x11", U16, 0),
    Field("x11_magic_cookie", STR),
    Field("x11_target", STR),
    Field("x11_target_port", U16, 0),
    Field("cpus_per_tres", STR),
    Field("mem_per_tres", STR),
    Field("tres_bind", STR),
    Field("tres_freq", STR),
    Field("tres_per_job", STR),
    Field("tres_per_node", STR),
    Field("tres_per_socket", STR),
    Field("tres_per_task", STR),
    Field("crontab_entry_set", BOOL, False),
)

# return_code_msg_t (RESPONSE_SLURM_RC).
RETURN_CODE: Layout = (Field("return_code", U32),)
# return_code2_msg_t (RESPONSE_SLURM_RC_MSG).
RETURN_CODE_MSG: Layout = (Field("return_code", U32), Field("err_msg", STR))
# submit_response_msg_t (RESPONSE_SUBMIT_BATCH_JOB).
SUBMIT_RESPONSE: Layout = (
    Field("job_id", U32),
    Field("step_id", U32),
    Field("error_code", U32),
    Field("job_submit_user_msg", STR),
)

# resource_allocation_response_msg_t (RESPONSE_RESOURCE_ALLOCATION), as far as
# this client reads it. The select plugin's jobinfo follows resv_name (its
# shape depends on the plugin) and then the working cluster record; neither is
# needed, and as slurmctld answers one message per connection and the frame
# carries its length, what is left unread cannot be mistaken for anything.
ALLOCATION_RESPONSE: Layout = (
    Field("account", STR),
    Field("alias_list", STR),
    Field("batch_host", STR),
    Field("environment", STRS),
    Field("error_code", U32),
    Field("job_submit_user_msg", STR),
    Field("job_id", U32),
    Field("node_cnt", U32),
    Field("node_addr", ADDRESSES),
    Field("node_list", STR),
    Field("ntasks_per_board", U16),
    Field("ntasks_per_core", U16),
    Field("ntasks_per_tres", U16),
    Field("ntasks_per_socket", U16),
    Field("cpu_groups", CPU_GROUPS),  # num_cpu_groups, cpus_per_node, cpu_count_reps
    Field("partition", STR),
    Field("pn_min_memory", U64),
    Field("qos", STR),
    Field("resv_name", STR),
)

# license_info_request_msg_t (REQUEST_LICENSE_INFO): last_update 0 asks for every
# license whatever changed; show_flags 0 as slurm_load_licenses sends it.
LICENSE_INFO_REQUEST: Layout = (
    Field("last_update", TIME, 0),
    Field("show_flags", U16, 0),
)
# RESPONSE_LICENSE_INFO opens with the record count and the controller's clock
# (get_all_license_info packs the time of the reply), then `num_lic` LICENSE records
# in the controller's list order: slurm.conf's Licenses= reversed, as the list is
# built by pushing to its front (seen live: fluent:30,matlab:2 -> matlab, fluent).
LICENSE_INFO: Layout = (Field("num_lic", U32), Field("last_update", TIME))
# One license as _unpack_license_info_msg reads it; `available` is not sent.
LICENSE: Layout = (
    Field("name", STR),
    Field("total", U32),
    Field("in_use", U32),
    Field("reserved", U32),
    Field("remote", U8),  # 0 local; 1 (2 while syncing) served by slurmdbd
)
