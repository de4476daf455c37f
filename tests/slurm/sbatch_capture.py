"""What the real sbatch sends: run it against a fake slurmctld and decode the job.

A tiny TCP server on 127.0.0.1 takes one framed REQUEST_SUBMIT_BATCH_JOB per
connection, records it and answers RESPONSE_SUBMIT_BATCH_JOB, so sbatch
finishes normally. sbatch reads a private copy of the testbed's slurm.conf
whose SlurmctldHost/SlurmctldPort name that server; SLURM_JWT makes it speak
auth/jwt (the conf keeps the testbed's AuthAltTypes line), so neither munge
nor the real cluster is ever contacted. The body is decoded with the 22.05
job_desc table of protocol/messages_2205.py.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import socket
import struct
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slurmrestd.cluster.slurm.protocol.auth import skip_credential
from slurmrestd.cluster.slurm.protocol.header import Header, frame, pack_header, unpack_header
from slurmrestd.cluster.slurm.protocol.layout import pack_fields, unpack_fields
from slurmrestd.cluster.slurm.protocol.messages_2205 import JOB_DESC, SUBMIT_RESPONSE
from slurmrestd.cluster.slurm.protocol.pack import Packer, Unpacker
from slurmrestd.cluster.slurm.protocol.wire import (
    BATCH_SCRIPT_STEP,
    SLURM_22_05_PROTOCOL_VERSION,
    AuthPlugin,
    MessageType,
)

TESTBED_CONF = Path("/var/lib/slurmrestd-py-testbed/etc/slurm.conf")
FAKE_JOB_ID = 4242
# Not a real token: the fake controller never checks it.
FAKE_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdW4iOiJjYXB0dXJlIn0.c2lnbmF0dXJl"
SBATCH_TIMEOUT_S = 20.0
_REPLACED_LINES = re.compile(
    r"^\s*(SlurmctldHost|SlurmctldPort|ControlMachine|GresTypes)\s*=", re.I
)


def unavailable_reason(conf: Path = TESTBED_CONF) -> str | None:
    """Why captures cannot run here (None: they can)."""
    if shutil.which("sbatch") is None:
        return "sbatch is not installed"
    if not conf.is_file():
        return f"no testbed slurm.conf at {conf} (its auth lines are needed)"
    return None


class FakeSlurmctld:
    """Records each framed request and answers it as a successful batch submission."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self._requests: list[bytes] = []
        self._arrived = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return  # closed
            with conn:
                conn.settimeout(SBATCH_TIMEOUT_S)
                try:
                    request = _read_frame(conn)
                    conn.sendall(_submit_reply())
                except (OSError, ValueError):
                    continue  # a client that went away: nothing recorded
            with self._arrived:
                self._requests.append(request)
                self._arrived.notify_all()

    def take(self, timeout: float = SBATCH_TIMEOUT_S) -> bytes:
        """The oldest request not yet taken, waiting for it up to `timeout`."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._requests, timeout):
                raise TimeoutError("sbatch sent nothing to the fake slurmctld")
            return self._requests.pop(0)

    def close(self) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone would not.
        with contextlib.suppress(OSError):  # already closed
            self.server.shutdown(socket.SHUT_RDWR)
        self.server.close()
        self._thread.join(5)


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ValueError("connection closed mid-message")
        data += chunk
    return data


def _read_frame(conn: socket.socket) -> bytes:
    (length,) = struct.unpack(">I", _read_exactly(conn, 4))
    return _read_exactly(conn, length)


def _submit_reply() -> bytes:
    body = pack_fields(
        SUBMIT_RESPONSE,
        {"job_id": FAKE_JOB_ID, "step_id": BATCH_SCRIPT_STEP, "error_code": 0},
    )
    header = Header(
        version=SLURM_22_05_PROTOCOL_VERSION,
        msg_type=MessageType.RESPONSE_SUBMIT_BATCH_JOB,
        body_length=len(body),
    )
    # A controller's jwt credential carries no token (clients do not check it).
    credential = bytes(Packer().u32(AuthPlugin.JWT).string(None).string(None))
    return frame(pack_header(header), credential, body)


def decode_submission(request: bytes) -> dict[str, Any]:
    """The job_desc fields of one recorded REQUEST_SUBMIT_BATCH_JOB.

    Raises:
        ValueError: not a 22.05 batch submission, or bytes left over.
    """
    reader = Unpacker(request)
    header = unpack_header(reader)
    if header.msg_type != MessageType.REQUEST_SUBMIT_BATCH_JOB:
        raise ValueError(f"message type {header.msg_type}, not a batch submission")
    if header.version != SLURM_22_05_PROTOCOL_VERSION:
        raise ValueError(f"protocol version {header.version:#06x}, not 22.05")
    skip_credential(reader)
    fields = unpack_fields(JOB_DESC, reader)
    if reader.remaining:
        raise ValueError(f"{reader.remaining} bytes after the job descriptor")
    return fields


def private_conf(source: Path, directory: Path, port: int) -> Path:
    """A copy of `source` whose controller is the fake one on 127.0.0.1:`port`
    (and which knows the gpu GRES)."""
    kept = [line for line in source.read_text().splitlines() if not _REPLACED_LINES.match(line)]
    kept += ["SlurmctldHost=fake(127.0.0.1)", f"SlurmctldPort={port}"]
    # sbatch refuses GRES options unless GresTypes names them; what it sends does not
    # depend on it otherwise (the testbed has no GRES).
    kept.append("GresTypes=gpu,nic")
    conf = directory / "slurm.conf"
    conf.write_text("\n".join(kept) + "\n")
    return conf


@dataclass(frozen=True, slots=True)
class Capture:
    """One sbatch run: its decoded job descriptor and what it printed."""

    fields: dict[str, Any]
    stdout: str
    stderr: str

    def environment(self) -> dict[str, str]:
        """The job's environment as a mapping (NAME -> value)."""
        pairs = (entry.partition("=") for entry in self.fields["environment"] or ())
        return {name: value for name, _, value in pairs}


class SbatchCapture:
    """Runs the real sbatch against one FakeSlurmctld; see the module doc."""

    def __init__(self, directory: Path, conf_source: Path = TESTBED_CONF) -> None:
        self.directory = directory
        self.controller = FakeSlurmctld()
        self.conf = private_conf(conf_source, directory, self.controller.port)

    def run(
        self,
        options: Sequence[str],
        *,
        environment: Mapping[str, str] | None = None,
        limits: Mapping[int, int] | None = None,
    ) -> Capture:
        """`sbatch --hold <options> --wrap true`, with `environment` added to a
        minimal one and soft `limits` (resource.RLIMIT_* -> value) set in sbatch.

        Raises:
            AssertionError: sbatch failed (its stderr is in the message).
        """
        done = self._sbatch(options, environment, limits)
        if done.returncode != 0:
            raise AssertionError(f"{done.args} failed ({done.returncode}): {done.stderr}")
        return Capture(decode_submission(self.controller.take()), done.stdout, done.stderr)

    def refused(self, options: Sequence[str]) -> str:
        """sbatch's complaint about `options`, which it must refuse before sending a job.

        Raises:
            AssertionError: sbatch accepted them.
        """
        done = self._sbatch(options, None, None)
        if done.returncode == 0:
            self.controller.take()
            raise AssertionError(f"sbatch accepted {list(options)}")
        return done.stderr

    def _sbatch(
        self,
        options: Sequence[str],
        environment: Mapping[str, str] | None,
        limits: Mapping[int, int] | None,
    ) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "SLURM_CONF": str(self.conf),
            "SLURM_JWT": FAKE_TOKEN,
            **(environment or {}),
        }
        return subprocess.run(
            ["sbatch", "--hold", *options, "--wrap", "true"],
            env=env,
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=SBATCH_TIMEOUT_S,
            preexec_fn=(lambda: _set_limits(limits)) if limits else None,
            check=False,
        )

    def close(self) -> None:
        self.controller.close()


def _set_limits(limits: Mapping[int, int]) -> None:
    for which, value in limits.items():
        _, hard = resource.getrlimit(which)
        resource.setrlimit(which, (value, hard))
