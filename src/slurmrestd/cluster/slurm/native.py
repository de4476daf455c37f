"""Calls over Slurm's own protocol as the token's user: ping, licenses, submission, allocation."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm import salloc_args
from slurmrestd.cluster.slurm.protocol import ControllerError, ProtocolClient
from slurmrestd.cluster.slurm.protocol.versions import protocol_of_release
from slurmrestd.model.controller import ControllerPing, SlurmVersion
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.license import LicenseSnapshot
from slurmrestd.slurmconf import SlurmConf, SlurmConfError

log = logging.getLogger(__name__)
# Where a failed license read is reported, as the C slurmrestd names it.
LICENSES_SOURCE = "slurm_load_licenses"


class NativeCalls:
    """The calls made over Slurm's own protocol, as the token's user, without a process.

    Only for identities with a token (the client speaks auth/jwt); the others
    go through the commands, which sign with munge.
    """

    def __init__(self, client: ProtocolClient, hosts: Sequence[str]) -> None:
        self.client = client
        self._each = list(zip(hosts, client.for_each_controller(), strict=True))

    @classmethod
    def for_cluster(
        cls, conf: SlurmConf, version: SlurmVersion, timeout: float
    ) -> NativeCalls | None:
        """None when slurm.conf names no usable controller or the release is not spoken."""
        number = protocol_of_release(version.major, version.minor)
        if number is None:
            log.info("Slurm %s: no native protocol client, commands only", version)
            return None
        try:
            client = ProtocolClient.from_conf(conf, timeout, protocol_version=number)
            hosts = [host.name for host in conf.slurmctld_hosts]
        except (ValueError, SlurmConfError) as exc:
            log.info("no native protocol client: %s", exc)
            return None
        return cls(client, hosts)

    def ping(self, identity: Identity) -> list[ControllerPing]:
        """REQUEST_PING to every controller, as `scontrol ping` asks each one."""
        pings = []
        for index, (host, client) in enumerate(self._each):
            try:
                latency_us = int(client.ping(identity.token, identity.user_name) * 1e6)
            except SlurmError:
                latency_us = -1
            mode = "primary" if index == 0 else f"backup{index}"
            up = latency_us >= 0
            pings.append(ControllerPing(host, up, max(latency_us, 0), index == 0, mode))
        return pings

    def licenses(self, identity: Identity) -> LicenseSnapshot:
        """REQUEST_LICENSE_INFO as the token's user; the licenses in the controller's order.

        Raises:
            SlurmError: the controller refused or could not be reached (its errno
                and text, under the source the C daemon reports).
        """
        try:
            return self.client.licenses(identity.token, identity.user_name)
        except SlurmError as exc:
            raise SlurmError(exc.errno, exc.description, LICENSES_SOURCE) from None

    def submit(self, identity: Identity, desc: JobDescription) -> SubmitResult | None:
        """REQUEST_SUBMIT_BATCH_JOB as the token's user; None when the client cannot
        express the description (sbatch is asked instead).

        Raises:
            SlurmError: refused by slurmctld, or the controller could not be reached.
        """
        try:
            reply = self.client.submit_batch(desc, identity.token, identity.user_name)
        except SlurmError as exc:
            return _unless_inexpressible(exc, "sbatch")
        return reply.to_result()

    async def submit_on_loop(self, identity: Identity, desc: JobDescription) -> SubmitResult | None:
        """submit, its exchange on the running event loop instead of a worker thread.

        Raises:
            SlurmError: as submit.
        """
        user = identity.user_name
        try:
            reply = await self.client.submit_batch_on_loop(desc, identity.token, user)
        except SlurmError as exc:
            return _unless_inexpressible(exc, "sbatch")
        return reply.to_result()

    def allocate(self, identity: Identity, desc: JobDescription) -> SubmitResult | None:
        """REQUEST_RESOURCE_ALLOCATION as the token's user, answered at once (granted or
        queued); None when the client cannot express the description (salloc is asked).

        Raises:
            SlurmError: refused by slurmctld (its errno and text, under the source the
                salloc path reports too), or the controller could not be reached.
        """
        try:
            reply = self.client.allocate(desc, identity.token, identity.user_name)
        except ControllerError as exc:
            raise SlurmError(exc.errno, exc.description, salloc_args.SOURCE) from None
        except SlurmError as exc:
            return _unless_inexpressible(exc, "salloc")
        log.debug("allocation %s: nodes %s", reply.job_id, reply.node_list or "pending")
        return reply.to_result()


def _unless_inexpressible(exc: SlurmError, fallback: str) -> None:
    """None when the client could not express the job (`fallback` is asked instead).

    Raises:
        SlurmError: `exc` itself otherwise (a refusal, an unreachable controller).
    """
    if isinstance(exc, ControllerError) or exc.errno != Errno.NOT_SUPPORTED:
        raise exc
    log.debug("falls back to %s: %s", fallback, exc.description)
    return None
