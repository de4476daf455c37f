"""The administration and job-control operations of SlurmCluster (a mixin).

Node, partition and reservation writes, reconfigure, the configuration dump,
fair share, bulk signal, requeue with flags, job states, resources and
allocation, each through Slurm's commands as the requesting identity. The
class that mixes this in provides the command runner and the shared-read and
write helpers declared below.
"""

from __future__ import annotations

import logging
import signal as signals
from collections.abc import Callable, Sequence
from typing import TypeVar

from slurmrestd.auth.base import Identity
from slurmrestd.cluster.errors import Errno, SlurmError, error_text
from slurmrestd.cluster.slurm import (
    admin_commands,
    bulk_kill,
    job_control,
    job_control_more,
    reservation_commands,
    salloc_args,
)
from slurmrestd.cluster.slurm.commands import (
    SlurmCommands,
    error_from_output,
)
from slurmrestd.cluster.slurm.config_text import SHOW_CONFIG, parse_controller_config
from slurmrestd.cluster.slurm.json_reads import select_job
from slurmrestd.cluster.slurm.partition_text import parse_partitions
from slurmrestd.cluster.slurm.read_commands import SHOW_PARTITIONS, SHOW_RESERVATIONS, UNIX_TIMES
from slurmrestd.cluster.slurm.reservation_text import parse_reservations
from slurmrestd.cluster.slurm.sshare_text import SSHARE, filter_shares, parse_sshare
from slurmrestd.cluster.slurm.submission import check_submitter
from slurmrestd.model.conf import ControllerConfig
from slurmrestd.model.job import Job
from slurmrestd.model.job_control import JobOutcome, JobStateEntry, KillJobsFilter, NodeLayout
from slurmrestd.model.job_desc import JobDescription, SubmitResult
from slurmrestd.model.node import NodeSnapshot
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation import Reservation
from slurmrestd.model.reservation_request import ReservationRequest
from slurmrestd.model.shares import SharesSnapshot

log = logging.getLogger(__name__)
T = TypeVar("T")


class AdminOps:
    """Administration through the commands; see the module doc."""

    name: str
    _commands: SlurmCommands
    _euid: Callable[[], int]

    # Provided by the cluster class (cluster.py).
    def _shared_read(self, identity: Identity, argv: tuple[str, ...], read: Callable[[], T]) -> T:
        raise NotImplementedError

    def _changed(self, call: Callable[[], T]) -> T:
        raise NotImplementedError

    def _write(self, identity: Identity, argv: list[str], source: str) -> None:
        raise NotImplementedError

    def _job_table(self, identity: Identity) -> tuple[tuple[Job, ...], int]:
        raise NotImplementedError

    def nodes(self, identity: Identity) -> NodeSnapshot:
        raise NotImplementedError

    def job_states(self, identity: Identity, job_ids: Sequence[str]) -> list[JobStateEntry]:
        """From the job table; raises SlurmError 2017 for an id the controller does not hold."""
        jobs, _ = self._job_table(identity)
        records = jobs if not job_ids else [j for text in job_ids for j in select_job(jobs, text)]
        return job_control_more.state_entries(records)

    def job_resources(self, identity: Identity, job_id: str) -> tuple[NodeLayout, ...]:
        """From the job's job_resources and its nodes' hardware.

        Raises:
            SlurmError: 2017 unknown job, 2085 it holds no resources.
        """
        jobs, _ = self._job_table(identity)
        records = select_job(jobs, job_id)
        nodes = {}
        if any(job_control_more.holds_resources(job) for job in records):
            nodes = {node.name: node for node in self.nodes(identity).nodes}
        return job_control_more.job_layouts(job_id, records, nodes)

    def controller_config(self, identity: Identity) -> ControllerConfig:
        def read() -> ControllerConfig:
            text = self._commands.output(identity, SHOW_CONFIG, extra_env=UNIX_TIMES)
            return parse_controller_config(text)

        return self._shared_read(identity, SHOW_CONFIG, read)

    def shares(
        self, identity: Identity, accounts: Sequence[str], users: Sequence[str]
    ) -> SharesSnapshot:
        """The whole sshare tree (a filtered sshare loses the parents), then filtered."""

        def read() -> SharesSnapshot:
            return parse_sshare(self._commands.output(identity, SSHARE), self.name)

        return filter_shares(self._shared_read(identity, SSHARE, read), accounts, users)

    def allocate_job(
        self, identity: Identity, descriptions: Sequence[JobDescription]
    ) -> SubmitResult:
        """salloc --no-shell as the identity; stopped once the job is queued.

        Raises:
            SlurmError: 2010 for a token of another user than the daemon's
                (salloc signs with its own uid), or salloc's refusal.
        """
        argv = salloc_args.salloc_command(descriptions)
        try:
            check_submitter(identity, self._euid())
        except SlurmError as exc:
            raise SlurmError(exc.errno, exc.description, salloc_args.SOURCE) from None
        result = self._changed(
            lambda: self._commands.run_watching(identity, argv, give_up_on=salloc_args.QUEUED_MARK)
        )
        job_id = salloc_args.parse_job_id(result.stderr)
        if job_id is None:
            raise salloc_args.allocate_error(argv, result.returncode, result.stderr)
        held = any(desc.hold is True for desc in descriptions)
        notices = ((int(Errno.JOB_HELD), error_text(Errno.JOB_HELD)),) if held else ()
        return SubmitResult(job_id, notices=notices)

    def requeue_job_with_flags(
        self, identity: Identity, job_id: str, flags: frozenset[str]
    ) -> None:
        """Raises: SlurmError as slurmctld refused the requeue."""
        self._write(identity, job_control_more.requeue_command(job_id, flags), "slurm_requeue")

    def kill_jobs(self, identity: Identity, selection: KillJobsFilter) -> list[JobOutcome]:
        """One scancel for every selected job (see bulk_kill.py for the rules).

        Raises:
            SlurmError: 9000 for an empty filter; scancel's error when it names no job.
        """
        jobs, _ = self._job_table(identity)
        operator = bool(selection.jobs) or self._is_operator(identity)
        targets, outcomes = bulk_kill.select_targets(jobs, selection, identity.user_name, operator)
        signum = signals.SIGKILL if selection.signal is None else selection.signal
        send = [job for job in targets if not bulk_kill.would_retry(job, signum)]
        outcomes += [
            bulk_kill.retry_outcome(j) for j in targets if bulk_kill.would_retry(j, signum)
        ]
        if send:
            argv = bulk_kill.scancel_command(
                map(bulk_kill.target_id, send), signum, selection.flags
            )
            result = self._changed(
                lambda: self._commands.run_watching(
                    identity, argv, give_up_on=job_control.SCANCEL_RETRY_MARK
                )
            )
            named = bulk_kill.refused(result.stderr)
            if result.returncode != 0 and not result.gave_up and not named:
                raise error_from_output(argv, result.returncode, "", result.stderr)
            outcomes += bulk_kill.outcomes(send, result.stderr, result.gave_up)
        return sorted(outcomes, key=lambda outcome: outcome.job_id)

    def update_nodes(self, identity: Identity, update: NodeUpdate) -> None:
        """Raises: SlurmError 2010 for a non-operator, or scontrol's refusal."""
        for argv in admin_commands.node_update_commands(update):
            self._write(identity, argv, "slurm_update_node")

    def create_node(self, identity: Identity, node_conf: str) -> None:
        """scontrol create, then a check that the nodes exist (22.05 can add none silently).

        Raises:
            SlurmError: scontrol's refusal, or NOT_SUPPORTED when no node was added.
        """
        names = admin_commands.node_conf_names(node_conf)
        self._write(identity, admin_commands.create_node_command(node_conf), "slurm_create_node")
        shown = self._commands.run(identity, admin_commands.show_nodes_command(names))
        missing = admin_commands.missing_nodes(names, shown.stdout)
        if missing:
            raise admin_commands.nodes_not_created(missing)

    def delete_node(self, identity: Identity, name: str) -> None:
        self._write(identity, admin_commands.delete_node_command(name), "slurm_delete_node")

    def update_partitions(
        self, identity: Identity, updates: Sequence[PartitionUpdate]
    ) -> list[str]:
        """Create the partitions the controller lacks, update the others (in order).

        Raises:
            SlurmError: 2010 for a non-operator, or scontrol's refusal.
        """
        text = self._commands.output(identity, SHOW_PARTITIONS)
        known = {part.name for part in parse_partitions(text)}
        notes: list[str] = []
        for update in updates:
            argv, ignored = admin_commands.partition_command(update, update.name in known)
            notes += ignored
            if argv is not None:
                self._write(identity, argv, f"slurm_{argv[1]}_partition")
                known.add(update.name)
        return notes

    def delete_partition(self, identity: Identity, name: str) -> None:
        argv = admin_commands.delete_partition_command(name)
        self._write(identity, argv, "slurm_delete_partition")

    def update_reservations(
        self, identity: Identity, requests: Sequence[ReservationRequest]
    ) -> list[Reservation]:
        """Create or update each reservation, then read them back as they now are.

        Raises:
            SlurmError: scontrol's refusal (earlier requests stay done).
        """

        def read() -> str:
            return self._commands.output(identity, SHOW_RESERVATIONS, extra_env=UNIX_TIMES)

        known = {resv.name for resv in parse_reservations(read())}
        names: list[str] = []
        for req in requests:
            argv = reservation_commands.reservation_command(req, req.name in known)
            if argv is None:
                names.append(req.name or "")
                continue
            result = self._changed(lambda argv=argv: self._commands.run(identity, argv))
            if result.returncode != 0:
                error = error_from_output(argv, result.returncode, result.stdout, result.stderr)
                raise SlurmError(error.errno, error.description, f"slurm_{argv[1]}_reservation")
            name = reservation_commands.created_name(result.stdout) or req.name or ""
            known.add(name)
            names.append(name)
        now = {resv.name: resv for resv in parse_reservations(read())}
        return [now[name] for name in names if name in now]

    def delete_reservation(self, identity: Identity, name: str) -> None:
        argv = reservation_commands.delete_reservation_command(name)
        self._write(identity, argv, "slurm_delete_reservation")

    def reconfigure(self, identity: Identity) -> None:
        """Raises: SlurmError 2010 for a non-operator."""
        self._write(identity, list(admin_commands.RECONFIGURE), "slurm_reconfigure")

    def _is_operator(self, identity: Identity) -> bool:
        """root or SlurmUser: who may act on every job (slurmdbd admins are not known here)."""
        if identity.uid == 0 or identity.user_name == "root":
            return True
        return identity.user_name == self.controller_config(identity).get("SlurmUser")
