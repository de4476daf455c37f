"""ProtocolClient against a fake slurmctld on a real socket (the network is the boundary).

The fake reads one framed request per connection and answers with bytes built
by hand from Slurm's reply layouts; nothing of the client is mocked.
"""

from __future__ import annotations

import asyncio
import pwd
import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from slurmrestd.auth.users import UserCache
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol import (
    ControllerError,
    ProtocolClient,
    SubmitReply,
    transport,
)
from slurmrestd.cluster.slurm.protocol import client as client_module
from slurmrestd.cluster.slurm.protocol.header import Header, frame, pack_header, unpack_header
from slurmrestd.cluster.slurm.protocol.layout import unpack_fields
from slurmrestd.cluster.slurm.protocol.messages_2205 import JOB_DESC
from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker
from slurmrestd.model.job_desc import JobDescription
from slurmrestd.model.license import License
from slurmrestd.slurmconf import parse_text

V2205 = 38 << 8
NO_REPLY = b""  # close the connection without answering (a rejected credential)
HANG = None  # keep the connection open and never answer


def reply(msg_type: int, body: bytes) -> bytes:
    """A reply as slurmctld sends it: header, its (empty) jwt credential, body."""
    header = pack_header(Header(version=V2205, msg_type=msg_type, body_length=len(body)))
    credential = bytes(Packer().u32(102).string(None).string(None))
    return frame(header, credential, body)


def rc(code: int) -> bytes:
    return reply(8001, bytes(Packer().u32(code & 0xFFFFFFFF)))


class FakeSlurmctld:
    """Answers each accepted connection with the next scripted reply."""

    def __init__(self, replies: list[bytes | None]) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.release = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = self.server.getsockname()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for answer in self.replies:
            conn, _ = self.server.accept()
            with conn:
                length = struct.unpack(">I", self._read(conn, 4))[0]
                self.requests.append(self._read(conn, length))
                if answer is HANG:
                    self.release.wait(5)
                elif answer:
                    conn.sendall(answer)

    @staticmethod
    def _read(conn: socket.socket, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        self.release.set()
        self.thread.join(5)
        self.server.close()


@pytest.fixture
def fake() -> Iterator[type[FakeSlurmctld]]:
    made: list[FakeSlurmctld] = []

    def make(replies: list[bytes | None]) -> FakeSlurmctld:
        made.append(FakeSlurmctld(replies))
        return made[-1]

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


def sent_job(request: bytes) -> tuple[Header, tuple, dict]:
    """Header, credential (plugin, token, user) and job fields of a submission."""
    reader = Unpacker(request)
    header = unpack_header(reader)
    credential = (reader.u32(), reader.string(), reader.string())
    body_start = reader.offset
    fields = unpack_fields(JOB_DESC, reader)
    assert reader.remaining == 0
    assert header.body_length == len(request) - body_start
    return header, credential, fields


def closed_port() -> tuple[str, int]:
    """An address nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()


def test_ping_sends_a_jwt_ping_and_returns_the_latency(fake):
    ctld = fake([rc(0)])
    latency = ProtocolClient([ctld.address], 5).ping("tok", "al")
    assert 0 < latency < 5
    request = Unpacker(ctld.requests[0])
    assert unpack_header(request) == Header(version=V2205, msg_type=1008, body_length=0)
    assert (request.u32(), request.string(), request.string()) == (102, "tok", "al")
    assert request.remaining == 0


def test_a_nonzero_return_code_is_a_controller_error_with_slurms_text(fake):
    ctld = fake([rc(2002)])
    with pytest.raises(ControllerError) as caught:
        ProtocolClient([ctld.address], 5).ping("tok", "al")
    error = caught.value
    assert (error.errno, error.description, error.source) == (
        2002,
        "Access/permission denied",
        "slurmctld",
    )


def test_rc_msg_keeps_the_controllers_own_message_as_detail(fake):
    body = bytes(Packer().u32(2000).string("invalid partition specified: nope"))
    ctld = fake([reply(8002, body)])
    with pytest.raises(ControllerError) as caught:
        ProtocolClient([ctld.address], 5).submit_batch(JobDescription(script="s"), "t", "root")
    assert caught.value.errno == 2000
    assert caught.value.description == "Invalid partition name specified"
    assert caught.value.detail == "invalid partition specified: nope"


def test_slurm_error_minus_one_arrives_signed(fake):
    ctld = fake([rc(-1)])
    with pytest.raises(ControllerError) as caught:
        ProtocolClient([ctld.address], 5).ping("tok", "al")
    assert caught.value.errno == -1


def test_submit_packs_the_job_and_reads_the_new_job_id(fake):
    answer = bytes(Packer().u32(3092).u32(0xFFFFFFFB).u32(2042).string(None))
    ctld = fake([reply(4004, answer)])
    job = JobDescription(
        script="#!/bin/sh\n",
        name="j",
        partition="debug",
        time_limit=7,
        environment={"A": "1"},
        current_working_directory="/tmp",
        hold=True,
    )
    result = ProtocolClient([ctld.address], 5).submit_batch(job, "tok", "root")
    assert result == SubmitReply(job_id=3092, step_id=0xFFFFFFFB, error_code=2042, user_message="")
    assert result.to_result().step_id == "batch"
    assert result.to_result().notices == (
        (2042, "Job is in held state, pending scheduler release"),
    )
    header, credential, sent = sent_job(ctld.requests[0])
    assert (header.msg_type, credential) == (4003, (102, "tok", "root"))
    assert (sent["name"], sent["partition"], sent["time_limit"], sent["priority"]) == (
        "j",
        "debug",
        7,
        0,
    )
    assert (sent["user_id"], sent["group_id"]) == (0, 0)  # root's, from this host's passwd
    assert sent["environment"] == ["A=1"] and sent["work_dir"] == "/tmp"
    assert sent["select_plugin_id"] == 109


def test_submit_without_a_directory_runs_where_the_daemon_runs(fake, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    ctld = fake([reply(4004, bytes(Packer().u32(1).u32(0xFFFFFFFB).u32(0).string(None)))])
    ProtocolClient([ctld.address], 5).submit_batch(JobDescription(script="s"), "t", "root")
    assert sent_job(ctld.requests[0])[2]["work_dir"] == str(tmp_path)


def test_submit_answered_with_success_but_no_job_is_an_error(fake):
    ctld = fake([rc(0)])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 5).submit_batch(JobDescription(script="s"), "t", "root")
    assert caught.value.errno == Errno.CONTROLLER_RECEIVE


def test_unknown_user_leaves_ids_to_slurmctld(fake):
    ctld = fake([reply(4004, bytes(Packer().u32(1).u32(0xFFFFFFFB).u32(0).string(None)))])
    ProtocolClient([ctld.address], 5).submit_batch(
        JobDescription(script="s"), "t", "no-such-user-h14"
    )
    assert sent_job(ctld.requests[0])[2]["user_id"] == 0xFFFFFFFE


def test_the_submitters_ids_come_from_the_shared_user_cache(fake, monkeypatch):
    looked_up: list[str] = []

    def lookup(name: str) -> pwd.struct_passwd:
        looked_up.append(name)
        return pwd.getpwnam(name)

    monkeypatch.setattr(client_module, "USERS", UserCache(lookup=lookup))
    answer = reply(4004, bytes(Packer().u32(1).u32(0xFFFFFFFB).u32(0).string(None)))
    ctld = fake([answer, answer])
    client = ProtocolClient([ctld.address], 5)
    for _ in range(2):
        client.submit_batch(JobDescription(script="s"), "t", "root")
    assert looked_up == ["root"]  # once: the second submission is served from memory
    assert sent_job(ctld.requests[1])[2]["user_id"] == 0


# ---------------------------------------------------------------- licenses

LICENSES = bytes.fromhex(
    "00000002" "0000000065000000"  # two licenses, the controller's clock
    "00000002" "6200" "00000005" "00000001" "00000000" "00"  # "b": 5 total, 1 in use
    "00000002" "6100" "00000003" "00000000" "00000002" "01"  # "a": 3 total, 2 reserved, remote
)  # fmt: skip


def test_licenses_asks_as_the_user_and_keeps_the_controllers_order(fake):
    ctld = fake([reply(1022, LICENSES)])
    snapshot = ProtocolClient([ctld.address], 5).licenses("tok", "al")
    assert snapshot.licenses == (
        License("b", total=5, used=1),
        License("a", total=3, reserved=2, remote=True),
    )
    assert snapshot.last_update == 0x65000000
    reader = Unpacker(ctld.requests[0])
    header = unpack_header(reader)
    assert (header.msg_type, header.body_length) == (1021, 10)
    assert (reader.u32(), reader.string(), reader.string()) == (102, "tok", "al")
    assert reader.raw(reader.remaining) == bytes(10)  # last_update 0, show_flags 0


@pytest.mark.parametrize(
    ("answer", "errno"),
    [
        (rc(int(Errno.ACCESS_DENIED)), Errno.ACCESS_DENIED),
        (rc(0), Errno.CONTROLLER_RECEIVE),  # success, but no licenses
        (reply(1022, LICENSES[:-4]), Errno.CONTROLLER_RECEIVE),  # cut short
    ],
)
def test_licenses_refused_or_unreadable(fake, answer, errno):
    ctld = fake([answer])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 5).licenses("tok", "al")
    assert caught.value.errno == errno


def test_unreachable_primary_falls_over_to_the_backup(fake):
    ctld = fake([rc(0)])
    ProtocolClient([closed_port(), ctld.address], 5).ping("tok", "al")
    assert len(ctld.requests) == 1


def test_standby_controller_passes_the_call_to_the_next(fake):
    standby, active = fake([rc(Errno.IN_STANDBY_USE_BACKUP)]), fake([rc(0)])
    ProtocolClient([standby.address, active.address], 5).ping("tok", "al")
    assert len(active.requests) == 1


def test_no_controller_reachable_is_controller_connect():
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([closed_port(), closed_port()], 5).ping("tok", "al")
    assert caught.value.errno == Errno.CONTROLLER_CONNECT
    assert caught.value.description == "Unable to contact slurm controller (connect failure)"


def test_connection_closed_without_reply_is_zero_bytes(fake):
    ctld = fake([NO_REPLY])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 5).ping("bad", "al")
    assert caught.value.errno == Errno.ZERO_BYTES


def test_silent_controller_times_out(fake):
    ctld = fake([HANG])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 0.2).ping("tok", "al")
    assert caught.value.errno == Errno.SOCKET_TIMEOUT


@pytest.mark.parametrize(
    "answer",
    [
        rc(0)[:-2],  # cut short
        frame(b"\x26\x00\x00"),  # header cut short
        reply(8001, b"")[:4]
        + reply(8001, b"")[4:].replace(b"\x00\x00\x00\x66", b"\x00\x00\x00\x07"),
    ],
)
def test_malformed_replies_are_receive_errors(fake, answer):
    ctld = fake([answer])
    with pytest.raises(SlurmError) as caught:
        ProtocolClient([ctld.address], 5).ping("tok", "al")
    assert caught.value.errno == Errno.CONTROLLER_RECEIVE


def test_every_connection_sets_tcp_nodelay(fake):
    ctld = fake([rc(0)])
    seen = []

    def connector(address, timeout):
        sock = transport.connect(address, timeout)
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return sock

    ProtocolClient([ctld.address], 5, connector=connector).ping("tok", "al")
    assert seen == [1]


def test_unsupported_select_type_is_refused_before_sending(fake):
    client = ProtocolClient([closed_port()], 5, select_type="select/cray_aries")
    with pytest.raises(SlurmError) as caught:
        client.submit_batch(JobDescription(script="s"), "t", "root")
    assert caught.value.errno == Errno.NOT_SUPPORTED


@pytest.mark.parametrize(
    ("text", "controllers", "select"),
    [
        (
            "SlurmctldHost=vm(127.0.0.1)\nSlurmctldPort=16817\n",
            [("127.0.0.1", 16817)],
            "select/cons_tres",
        ),
        (
            "SlurmctldHost=a\nSlurmctldHost=b(10.0.0.2)\nSelectType=select/linear\n",
            [("a", client_module.DEFAULT_SLURMCTLD_PORT), ("10.0.0.2", 6817)],
            "select/linear",
        ),
        (  # a port range: slurmctld listens on all of them, the first will do
            "ControlMachine=c\nBackupController=d\nSlurmctldPort=7000-7003\n",
            [("c", 7000), ("d", 7000)],
            "select/cons_tres",
        ),
    ],
)
def test_from_conf_takes_controllers_port_and_select_type(text, controllers, select):
    client = ProtocolClient.from_conf(parse_text(text), timeout=3)
    assert (list(client.controllers), client.select_type, client.timeout) == (
        controllers,
        select,
        3,
    )


def test_from_conf_without_controllers_is_refused():
    with pytest.raises(ValueError, match="SlurmctldHost"):
        ProtocolClient.from_conf(parse_text("ClusterName=x\n"))


# --- submission on the event loop: the same exchange without a worker thread ----------

SUBMITTED = reply(4004, bytes(Packer().u32(77).u32(0xFFFFFFFB).u32(0).string(None)))
JOB = JobDescription(script="#!/bin/sh\n", name="loop", current_working_directory="/tmp")


def submit_on_loop(client: ProtocolClient) -> SubmitReply:
    return asyncio.run(client.submit_batch_on_loop(JOB, "tok", "root"))


def test_on_loop_sends_the_bytes_the_blocking_path_sends(fake):
    ctld = fake([SUBMITTED, SUBMITTED])
    client = ProtocolClient([ctld.address], 5)
    blocking = client.submit_batch(JOB, "tok", "root")
    assert submit_on_loop(client) == blocking == SubmitReply(77, 0xFFFFFFFB, 0, "")
    assert ctld.requests[0] == ctld.requests[1]


def test_on_loop_falls_over_past_unreachable_and_standby_controllers(fake):
    standby, active = fake([rc(Errno.IN_STANDBY_USE_BACKUP)]), fake([SUBMITTED])
    client = ProtocolClient([closed_port(), standby.address, active.address], 5)
    assert submit_on_loop(client).job_id == 77
    assert (len(standby.requests), len(active.requests)) == (1, 1)


@pytest.mark.parametrize(
    ("answers", "timeout", "errno"),
    [
        ([rc(2002)], 5, 2002),  # refused: the controller's own error
        ([NO_REPLY], 5, Errno.ZERO_BYTES),  # a rejected credential
        ([HANG], 0.2, Errno.SOCKET_TIMEOUT),
        ([rc(0)[:-2]], 5, Errno.CONTROLLER_RECEIVE),  # cut short
        ([rc(0)], 5, Errno.CONTROLLER_RECEIVE),  # success without a job
    ],
)
def test_on_loop_failures_are_the_blocking_paths(fake, answers, timeout, errno):
    ctld = fake(answers)
    with pytest.raises(SlurmError) as caught:
        submit_on_loop(ProtocolClient([ctld.address], timeout))
    assert caught.value.errno == errno


def test_on_loop_with_no_controller_reachable_is_controller_connect():
    with pytest.raises(SlurmError) as caught:
        submit_on_loop(ProtocolClient([closed_port()], 5))
    assert caught.value.errno == Errno.CONTROLLER_CONNECT


def test_on_loop_resolves_a_host_name_and_tries_each_address(fake):
    ctld = fake([SUBMITTED])
    client = ProtocolClient([("localhost", ctld.address[1])], 5)  # ::1 may come first: refused
    assert submit_on_loop(client).job_id == 77


def test_on_loop_sets_tcp_nodelay(fake, monkeypatch):
    ctld = fake([SUBMITTED])
    seen = []
    real = transport._exchange_on_loop

    async def watching(loop, sock, request):
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return await real(loop, sock, request)

    monkeypatch.setattr(transport, "_exchange_on_loop", watching)
    submit_on_loop(ProtocolClient([ctld.address], 5))
    assert seen == [1]


def test_cpu_frequency_governors_are_those_slurm_conf_allows(fake):
    conf = parse_text(
        "SlurmctldHost=ctl(127.0.0.1)\nSlurmctldPort=1\nCpuFreqGovernors=Conservative,OnDemand\n"
    )
    client = ProtocolClient.from_conf(conf)
    assert client.governors == ["Conservative", "OnDemand"]
    ctld = fake([SUBMITTED])
    client.controllers = (ctld.address,)
    job = JobDescription(script="s", extra={"cpu_frequency": "low-high:conservative"})
    assert client.submit_batch(job, "tok", "root").job_id == 77
    with pytest.raises(SlurmError) as caught:  # allowed by Slurm's default set, not here
        client.submit_batch(
            JobDescription(script="s", extra={"cpu_frequency": "low-high:performance"}),
            "tok",
            "root",
        )
    assert caught.value.errno == Errno.EINVAL
