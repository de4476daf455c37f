"""ProtocolClient.allocate against a fake slurmctld on a real socket.

The replies are built field by field in the order of Slurm's
_pack_resource_allocation_response_msg (22.05, and 23.02 with its group
fields), not with the client's own tables.
"""

from __future__ import annotations

import os
import socket

import pytest

from slurm.test_protocol_client import fake, rc, reply, sent_job  # noqa: F401 (fixture)
from slurm.test_protocol_layout import GRANTED_2205
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol import AllocationReply, ControllerError, ProtocolClient
from slurmrestd.cluster.slurm.protocol.pack import Packer
from slurmrestd.model.job_desc import JobDescription

V2302 = 39 << 8
HELD = "Job is in held state, pending scheduler release"


def allocation_body(
    job_id: int,
    *,
    error_code: int = 0,
    node_list: str | None = None,
    node_cnt: int = 0,
    addresses: bytes = b"\x00",
    group: tuple[int, str] | None = None,
) -> bytes:
    """A reply body up to resv_name, then the select plugin id (left unread)."""
    out = Packer().string("acct").string(None).string(None).string_array([])
    out.u32(error_code)
    if group is not None:  # 23.02: gid and group_name follow error_code
        out.u32(group[0]).string(group[1])
    out.string(None).u32(job_id).u32(node_cnt).raw(addresses).string(node_list)
    out.u16(0xFFFE).u16(0xFFFE).u16(0xFFFE).u16(0xFFFE)
    out.u32(0)  # no CPU groups
    out.string("debug").u64(0).string("normal").string(None)
    return bytes(out.u32(109))


def job() -> JobDescription:
    return JobDescription(name="al", partition="debug", time_limit=2, current_working_directory="/")


def test_allocate_sends_the_job_without_ports_and_reads_the_grant(fake):  # noqa: F811
    ctld = fake([reply(4002, GRANTED_2205)])
    answer = ProtocolClient([ctld.address], 5).allocate(job(), "tok", "root")
    assert answer == AllocationReply(
        job_id=7301,
        error_code=0,
        user_message="hi",
        node_list="node[1-2]",
        node_addresses=(),
        partition="debug",
    )
    assert answer.granted
    result = answer.to_result()
    assert (result.job_id, result.user_message, result.notices) == (7301, "hi", ())
    header, credential, sent = sent_job(ctld.requests[0])
    assert (header.msg_type, credential) == (4001, (102, "tok", "root"))
    assert (sent["name"], sent["partition"], sent["time_limit"]) == ("al", "debug", 2)
    assert sent["script"] is None and (sent["user_id"], sent["group_id"]) == (0, 0)
    # Where it comes from, as slurm_allocate_resources names it ...
    assert sent["alloc_node"] == socket.gethostname().split(".")[0]
    assert sent["alloc_sid"] == os.getsid(0)
    # ... and no port to call back on: no SRUN_PING, no inactivity kill.
    assert (sent["alloc_resp_port"], sent["other_port"], sent["resp_host"]) == (0, 0, None)


def test_a_queued_allocation_answers_at_once_with_its_notice(fake):  # noqa: F811
    ctld = fake([reply(4002, allocation_body(88, error_code=Errno.JOB_HELD))])
    answer = ProtocolClient([ctld.address], 5).allocate(job(), "tok", "root")
    assert (answer.job_id, answer.node_list, answer.granted) == (88, None, False)
    assert answer.to_result().notices == ((2042, HELD),)


def test_node_addresses_are_read_when_sent(fake):  # noqa: F811
    two = bytes.fromhex("01 00000002 0002 0100007f 0542 0002 0100007f 0642")
    body = allocation_body(5, node_list="node[1-2]", node_cnt=2, addresses=two)
    ctld = fake([reply(4002, body)])
    answer = ProtocolClient([ctld.address], 5).allocate(job(), "tok", "root")
    assert answer.node_addresses == (("127.0.0.1", 16901), ("127.0.0.1", 16902))


def test_addresses_that_disagree_with_the_node_count_are_a_receive_error(fake):  # noqa: F811
    one = bytes.fromhex("01 00000001 0002 0100007f 0542")
    body = allocation_body(5, node_list="node[1-2]", node_cnt=2, addresses=one)
    ctld = fake([reply(4002, body)])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 5).allocate(job(), "tok", "root")
    assert caught.value.errno == Errno.CONTROLLER_RECEIVE


def test_a_refused_allocation_is_the_controllers_error(fake):  # noqa: F811
    body = bytes(Packer().u32(2000).string("invalid partition specified: nope"))
    ctld = fake([reply(8002, body)])
    with pytest.raises(ControllerError) as caught:
        ProtocolClient([ctld.address], 5).allocate(job(), "tok", "root")
    assert (caught.value.errno, caught.value.description) == (
        2000,
        "Invalid partition name specified",
    )


def test_success_without_an_allocation_is_a_receive_error(fake):  # noqa: F811
    ctld = fake([rc(0)])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 5).allocate(job(), "tok", "root")
    assert caught.value.errno == Errno.CONTROLLER_RECEIVE


def test_a_2302_reply_carries_the_group_after_error_code(fake):  # noqa: F811
    body = allocation_body(9, group=(1002, "bob"), node_list="node3", node_cnt=1)
    ctld = fake([reply(4002, body)])
    answer = ProtocolClient([ctld.address], 5, protocol_version=V2302).allocate(
        job(), "tok", "root"
    )
    assert (answer.job_id, answer.node_list, answer.partition) == (9, "node3", "debug")
