"""ProtocolClient: ping, licenses, batch submission and allocation as the requesting user.

Each call builds one request (header, auth/jwt credential, body), tries the
controllers in slurm.conf order until one accepts the connection, and reads
one reply. As Slurm's clients do, a controller that cannot be reached, or that
answers it is a standby (IN_STANDBY_MODE / IN_STANDBY_USE_BACKUP), passes the
call to the next one. Blocking: the backend calls it from worker threads;
submission also has an event-loop variant (submit_batch_on_loop).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slurmrestd.auth.users import USERS
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm.protocol import transport
from slurmrestd.cluster.slurm.protocol.address import Address as NodeAddress
from slurmrestd.cluster.slurm.protocol.auth import JwtCredential, skip_credential
from slurmrestd.cluster.slurm.protocol.header import Header, frame, pack_header, unpack_header
from slurmrestd.cluster.slurm.protocol.job_desc import job_desc_values
from slurmrestd.cluster.slurm.protocol.layout import pack_fields, unpack_fields
from slurmrestd.cluster.slurm.protocol.license_info import read_license_info
from slurmrestd.cluster.slurm.protocol.pack import Unpacker, UnpackError
from slurmrestd.cluster.slurm.protocol.versions import (
    DEFAULT_PROTOCOL,
    ProtocolVersion,
    protocol_for,
)
from slurmrestd.cluster.slurm.protocol.wire import (
    BATCH_SCRIPT_STEP,
    DEFAULT_SELECT_TYPE,
    SELECT_PLUGIN_IDS,
    MessageType,
)
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.slurmconf import SlurmConf

SOURCE = transport.SOURCE
DEFAULT_TIMEOUT_S = 10.0
# slurmctld's port when slurm.conf gives none (SLURMCTLD_PORT).
DEFAULT_SLURMCTLD_PORT = 6817
# Replies meaning "I am a standby: ask another controller".
_STANDBY = frozenset({Errno.IN_STANDBY_MODE, Errno.IN_STANDBY_USE_BACKUP})

Address = tuple[str, int]
Connector = Callable[[Address, float], Any]


class ControllerError(SlurmError):
    """slurmctld refused a request: its error number with Slurm's text; `detail` is
    the controller's own message when it sent one (RESPONSE_SLURM_RC_MSG)."""

    def __init__(self, errno: int, detail: str | None = None) -> None:
        super().__init__(errno, error_text(errno), SOURCE)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SubmitReply:
    """RESPONSE_SUBMIT_BATCH_JOB: the new job, and a notice Slurm may add (e.g. 2042 held)."""

    job_id: int
    step_id: int
    error_code: int
    user_message: str

    def to_result(self) -> SubmitResult:
        """The backend's SubmitResult for this reply."""
        step = "batch" if self.step_id == BATCH_SCRIPT_STEP else str(self.step_id)
        notices = ((self.error_code, error_text(self.error_code)),) if self.error_code else ()
        return SubmitResult(self.job_id, step, self.user_message, notices)


@dataclass(frozen=True, slots=True)
class AllocationReply:
    """RESPONSE_RESOURCE_ALLOCATION: the new job, at once, granted or still pending.

    `node_list` is None (and `node_addresses` empty) while the job waits for
    resources; `error_code` is a notice such as 2042 (held), not a refusal.
    """

    job_id: int
    error_code: int
    user_message: str
    node_list: str | None
    node_addresses: tuple[NodeAddress | None, ...]
    partition: str | None

    @property
    def granted(self) -> bool:
        return bool(self.node_list)

    def to_result(self) -> SubmitResult:
        """The backend's SubmitResult for this reply."""
        notices = ((self.error_code, error_text(self.error_code)),) if self.error_code else ()
        return SubmitResult(self.job_id, user_message=self.user_message, notices=notices)


@dataclass(frozen=True, slots=True)
class _Reply:
    msg_type: int
    body: Unpacker


class ProtocolClient:
    """Talks to slurmctld directly with the user's JWT (see module doc)."""

    def __init__(
        self,
        controllers: Sequence[Address],
        timeout: float = DEFAULT_TIMEOUT_S,
        *,
        protocol_version: int = DEFAULT_PROTOCOL,
        select_type: str = DEFAULT_SELECT_TYPE,
        governors: Sequence[str] | None = None,
        connector: Connector = transport.connect,
    ) -> None:
        if not controllers:
            raise ValueError("no controller addresses")
        self.controllers = tuple(controllers)
        self.timeout = timeout
        self.protocol: ProtocolVersion = protocol_for(protocol_version)
        self.select_type = select_type
        # CpuFreqGovernors (None: Slurm's default set), checked as sbatch checks them.
        self.governors = governors
        self._connect = connector

    @classmethod
    def from_conf(
        cls,
        conf: SlurmConf,
        timeout: float = DEFAULT_TIMEOUT_S,
        *,
        protocol_version: int = DEFAULT_PROTOCOL,
    ) -> ProtocolClient:
        """A client for the controllers of a parsed slurm.conf (SlurmctldHost, SlurmctldPort).

        Raises:
            ValueError: slurm.conf names no controller or a bad port.
        """
        port_text = conf.get("SlurmctldPort") or str(DEFAULT_SLURMCTLD_PORT)
        # A port range ("6817-6820") means slurmctld listens on all of them.
        port = int(port_text.split("-", 1)[0])
        hosts = conf.slurmctld_hosts
        if not hosts:
            raise ValueError("slurm.conf names no SlurmctldHost")
        select_type = (conf.get("SelectType") or DEFAULT_SELECT_TYPE).lower()
        governors = conf.cpu_freq_governors
        return cls(
            [(host.addr, port) for host in hosts],
            timeout,
            protocol_version=protocol_version,
            select_type=select_type,
            governors=list(governors) if governors is not None else None,
        )

    def for_each_controller(self) -> list[ProtocolClient]:
        """One client per controller, in order (to ask each one, as `scontrol ping` does)."""
        return [
            ProtocolClient(
                [address],
                self.timeout,
                protocol_version=self.protocol.number,
                select_type=self.select_type,
                governors=self.governors,
                connector=self._connect,
            )
            for address in self.controllers
        ]

    def ping(self, token: str | None, user: str) -> float:
        """REQUEST_PING as `user`; seconds until the controller answered.

        Raises:
            SlurmError: unreachable controllers, a rejected credential (ZERO_BYTES:
                slurmctld closes without answering) or a non-zero return code.
        """
        started = time.perf_counter()
        reply = self._call(self._request(MessageType.REQUEST_PING, b"", JwtCredential(token, user)))
        self._return_code(reply, accept_zero=True)
        return time.perf_counter() - started

    def licenses(self, token: str | None, user: str) -> LicenseSnapshot:
        """REQUEST_LICENSE_INFO as `user`: every license, in the controller's order.

        Raises:
            SlurmError: unreachable controllers, a rejected credential, a refusal
                (ControllerError) or a reply that cannot be read.
        """
        body = pack_fields(self.protocol.license_request, {})
        credential = JwtCredential(token, user)
        reply = self._call(self._request(MessageType.REQUEST_LICENSE_INFO, body, credential))
        if reply.msg_type != MessageType.RESPONSE_LICENSE_INFO:
            self._return_code(reply, accept_zero=False)
        try:
            return read_license_info(self.protocol.license_info, self.protocol.license, reply.body)
        except UnpackError as exc:
            raise _unexpected(str(exc)) from None

    def submit_batch(
        self, job: JobDescription | Mapping[str, Any], token: str | None, user: str
    ) -> SubmitReply:
        """REQUEST_SUBMIT_BATCH_JOB of one job as `user` (its uid/gid go in the descriptor).

        Raises:
            SlurmError: the job cannot be expressed (EINVAL / NOT_SUPPORTED), the
                controller refused it (ControllerError: its error number and
                Slurm's text), or it could not be reached.
        """
        request = self._submit_request(job, token, user)
        return self._submit_reply(self._call(request))

    async def submit_batch_on_loop(
        self, job: JobDescription | Mapping[str, Any], token: str | None, user: str
    ) -> SubmitReply:
        """submit_batch without blocking: the exchange runs on the event loop.

        Raises:
            SlurmError: as submit_batch.
        """
        request = self._submit_request(job, token, user)
        return self._submit_reply(await self._call_on_loop(request))

    def _submit_request(
        self, job: JobDescription | Mapping[str, Any], token: str | None, user: str
    ) -> bytes:
        body = pack_fields(self.protocol.job_desc, self._job_values(job, user))
        credential = JwtCredential(token, user)
        return self._request(MessageType.REQUEST_SUBMIT_BATCH_JOB, body, credential)

    def _submit_reply(self, reply: _Reply) -> SubmitReply:
        if reply.msg_type != MessageType.RESPONSE_SUBMIT_BATCH_JOB:
            self._return_code(reply, accept_zero=False)
        fields = _read(self.protocol.submit_response, reply.body)
        return SubmitReply(
            job_id=fields["job_id"],
            step_id=fields["step_id"],
            error_code=fields["error_code"],
            user_message=fields["job_submit_user_msg"] or "",
        )

    def allocate(
        self, job: JobDescription | Mapping[str, Any], token: str | None, user: str
    ) -> AllocationReply:
        """REQUEST_RESOURCE_ALLOCATION of one job as `user`, answered at once.

        Like slurm_allocate_resources (what salloc and the C slurmrestd call),
        it names this host and session as the allocating node and gives no
        response or ping port: slurmctld then never calls back (no allocation
        notice, no SRUN_PING, no InactiveLimit kill, which needs that port),
        so the job holds its resources until its time limit or a cancel.

        Raises:
            SlurmError: as submit_batch.
        """
        values = self._job_values(job, user)
        values.setdefault("alloc_node", _short_hostname())
        values.setdefault("alloc_sid", os.getsid(0))
        body = pack_fields(self.protocol.job_desc, values)
        credential = JwtCredential(token, user)
        reply = self._call(self._request(MessageType.REQUEST_RESOURCE_ALLOCATION, body, credential))
        if reply.msg_type != MessageType.RESPONSE_RESOURCE_ALLOCATION:
            self._return_code(reply, accept_zero=False)
        fields = _read(self.protocol.allocation_response, reply.body)
        addresses = tuple(fields["node_addr"])
        if addresses and len(addresses) != fields["node_cnt"]:
            raise _unexpected(f"{len(addresses)} node addresses for {fields['node_cnt']} nodes")
        return AllocationReply(
            job_id=fields["job_id"],
            error_code=fields["error_code"],
            user_message=fields["job_submit_user_msg"] or "",
            node_list=fields["node_list"],
            node_addresses=addresses,
            partition=fields["partition"],
        )

    def _job_values(self, job: JobDescription | Mapping[str, Any], user: str) -> dict[str, Any]:
        """job_desc_msg values of one job for `user` (its uid/gid go in the descriptor)."""
        uid, gid = _user_ids(user)
        values = job_desc_values(job, user_id=uid, group_id=gid, governors=self.governors)
        # Like slurmrestd 22.05: a job without a directory runs where the daemon runs
        # (slurmctld would otherwise keep a null WorkDir the job cannot start in).
        values.setdefault("work_dir", os.getcwd())
        if self.protocol.sends_select_plugin:
            values["select_plugin_id"] = self._select_plugin_id()
        return values

    # -- one exchange -------------------------------------------------------

    def _request(self, msg_type: int, body: bytes, credential: JwtCredential) -> bytes:
        header = Header(version=self.protocol.number, msg_type=msg_type, body_length=len(body))
        return frame(pack_header(header), credential.pack(), body)

    def _call(self, request: bytes) -> _Reply:
        last: SlurmError | None = None
        for address in self.controllers:
            try:
                sock = self._connect(address, self.timeout)
            except transport.Unreachable as exc:
                last = exc
                continue
            with sock:
                reply = _parse(transport.exchange(sock, request))
            if not self._passes_on(reply):
                return reply
            last = ControllerError(_peek_return_code(self.protocol, reply))
        assert last is not None
        raise last

    async def _call_on_loop(self, request: bytes) -> _Reply:
        """_call, each exchange on the running event loop (transport.exchange_on_loop)."""
        last: SlurmError | None = None
        for address in self.controllers:
            try:
                data = await transport.exchange_on_loop(address, request, self.timeout)
            except transport.Unreachable as exc:
                last = exc
                continue
            reply = _parse(data)
            if not self._passes_on(reply):
                return reply
            last = ControllerError(_peek_return_code(self.protocol, reply))
        assert last is not None
        raise last

    def _passes_on(self, reply: _Reply) -> bool:
        """Whether a controller answered that it is a standby: ask the next one."""
        if reply.msg_type != MessageType.RESPONSE_SLURM_RC:
            return False
        return _peek_return_code(self.protocol, reply) in _STANDBY

    def _return_code(self, reply: _Reply, *, accept_zero: bool) -> None:
        """Check an RC reply: raise for a non-zero code (or for zero where a result was due)."""
        if reply.msg_type == MessageType.RESPONSE_SLURM_RC:
            code, text = _read(self.protocol.return_code, reply.body)["return_code"], None
        elif reply.msg_type == MessageType.RESPONSE_SLURM_RC_MSG:
            fields = _read(self.protocol.return_code_msg, reply.body)
            code, text = fields["return_code"], fields["err_msg"]
        else:
            raise _unexpected(f"unexpected reply message type {reply.msg_type}")
        code = _signed(code)
        if code == 0 and accept_zero:
            return
        if code == 0:
            raise _unexpected("controller answered success without a result")
        raise ControllerError(code, text)

    def _select_plugin_id(self) -> int:
        try:
            return SELECT_PLUGIN_IDS[self.select_type]
        except KeyError:
            raise SlurmError(
                Errno.NOT_SUPPORTED,
                f"SelectType={self.select_type} is not supported by the protocol client",
                SOURCE,
            ) from None


def _user_ids(user: str) -> tuple[int | None, int | None]:
    """The user's uid and primary gid; None when this host does not know the user
    (slurmctld then takes both from the credential). Read through the daemon's
    short-lived user cache: NSS on every submission was a measurable share of it."""
    try:
        entry = USERS.by_name(user)
    except KeyError:
        return None, None
    return entry.pw_uid, entry.pw_gid


def _short_hostname() -> str:
    """This host's name up to the first dot, as Slurm's clients name their node."""
    return socket.gethostname().split(".", 1)[0]


def _signed(code: int) -> int:
    """return_code is packed from an int: -1 (SLURM_ERROR) arrives as 0xffffffff."""
    return code - (1 << 32) if code >= 1 << 31 else code


def _unexpected(text: str) -> SlurmError:
    text = f"{error_text(Errno.CONTROLLER_RECEIVE)}: {text}"
    return SlurmError(Errno.CONTROLLER_RECEIVE, text, SOURCE)


def _parse(data: bytes) -> _Reply:
    """Header and credential of a reply; the body is left to read."""
    unpacker = Unpacker(data)
    try:
        header = unpack_header(unpacker)
        skip_credential(unpacker)
    except UnpackError as exc:
        raise _unexpected(str(exc)) from None
    if header.body_length > unpacker.remaining:
        raise _unexpected("reply body shorter than its header says")
    return _Reply(header.msg_type, unpacker)


def _read(layout: Any, body: Unpacker) -> dict[str, Any]:
    try:
        return unpack_fields(layout, body)
    except UnpackError as exc:
        raise _unexpected(str(exc)) from None


def _peek_return_code(protocol: ProtocolVersion, reply: _Reply) -> int:
    """The code of an RC reply without consuming it."""
    offset = reply.body.offset
    code = _signed(_read(protocol.return_code, reply.body)["return_code"])
    reply.body.offset = offset
    return code
