"""Slurm 23.02 message bodies as a change to 22.05's tables.

Read from 23.02's _pack_job_desc_msg: container_id follows container,
job_size_str follows max_nodes, and the select plugin's jobinfo is gone.
The allocation reply gains the group (gid, group_name) after error_code; its
other additions come after the part this client reads. A license record gains
the remote-license counters after `remote` (the oldest branch of today's
_unpack_license_info_msg; 23.02's v0.0.39 schema is the first to show them).
Other replies keep their 22.05 shape. Not yet checked against a live 23.02.
"""

from __future__ import annotations

from slurmrestd.cluster.slurm.protocol import messages_2205 as base
from slurmrestd.cluster.slurm.protocol.layout import Field, Kind, Layout, insert_after, without

JOB_DESC: Layout = insert_after(
    insert_after(
        without(base.JOB_DESC, ["select_plugin_id"]),
        "container",
        Field("container_id", Kind.STR),
    ),
    "max_nodes",
    Field("job_size_str", Kind.STR),
)
ALLOCATION_RESPONSE: Layout = insert_after(
    base.ALLOCATION_RESPONSE,
    "error_code",
    Field("gid", Kind.U32),
    Field("group_name", Kind.STR),
)
LICENSE: Layout = insert_after(
    base.LICENSE,
    "remote",
    Field("last_consumed", Kind.U32),
    Field("last_deficit", Kind.U32),
    Field("last_update", Kind.TIME),
)
LICENSE_INFO = base.LICENSE_INFO
LICENSE_INFO_REQUEST = base.LICENSE_INFO_REQUEST
RETURN_CODE = base.RETURN_CODE
RETURN_CODE_MSG = base.RETURN_CODE_MSG
SUBMIT_RESPONSE = base.SUBMIT_RESPONSE
