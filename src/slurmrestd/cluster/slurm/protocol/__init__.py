"""A native client for slurmctld's RPC protocol (Slurm 22.05 wire format).

Talks to slurmctld over TCP with an auth/jwt credential that carries the
requesting user's token and name, so calls act for that user without forking
Slurm's commands. Layout: `pack` (byte encoding), `address` (socket
addresses), `header` (message framing), `auth` (credentials), `job_desc`
(request fields -> wire values), `layout` and `messages_*` (field tables per
protocol version), `versions` (the one version -> tables map), `transport`
(sockets), `client` (the public calls: ping, licenses, submit, allocate), `license_info`
(the license reply -> LicenseSnapshot).
"""

from slurmrestd.cluster.slurm.protocol.client import (
    AllocationReply,
    ControllerError,
    ProtocolClient,
    SubmitReply,
)

__all__ = ["AllocationReply", "ControllerError", "ProtocolClient", "SubmitReply"]
