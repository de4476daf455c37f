"""A native client for slurmctld's RPC protocol (Slurm 22.05 wire format).

Talks to slurmctld over TCP with an auth/jwt credential that carries the
requesting user's token and name, so calls act for that user without forking
Slurm's commands. Layout: `pack` (byte encoding), `header` (message framing),
`auth` (credentials), `job_desc` (request fields -> wire values), `layouts`
(field tables per protocol version), `versions` (the one version -> packers
table), `transport` (sockets), `client` (the public calls).
"""

from slurmrestd.cluster.slurm.protocol.client import ControllerError, ProtocolClient, SubmitReply

__all__ = ["ControllerError", "ProtocolClient", "SubmitReply"]
