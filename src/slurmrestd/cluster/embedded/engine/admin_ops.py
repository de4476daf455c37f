"""Operator actions on the embedded controller: nodes, partitions, reservations.

A mixin of WorkloadManager, kept apart so the manager stays about jobs. It
relies on the manager's lock (`_cond`), job table (`_jobs`, `_active`),
`_commit`, `_changed`, `_clock`, `_processes`, and on `_base_config`,
`_admin` and `_admin_store`, which it owns. The rules live in node_admin,
partition_admin and reservations; here they are checked for permission,
made durable, laid over slurm.conf (admin_state.effective) and acted on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from slurmrestd.cluster.embedded.engine import node_admin, partition_admin, reservations
from slurmrestd.cluster.embedded.engine.admin_state import AdminState, effective
from slurmrestd.cluster.embedded.engine.lifecycle import Event, apply
from slurmrestd.cluster.embedded.engine.records import JobRecord, JobState, Reason, Submitter
from slurmrestd.cluster.embedded.engine.reservations import Busy, ReservationRecord
from slurmrestd.cluster.embedded.engine.store import StoreError
from slurmrestd.cluster.embedded.engine.views import holds_resources
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.model.partition_update import PartitionUpdate
from slurmrestd.model.reservation_request import ReservationRequest

if TYPE_CHECKING:
    import threading

    from slurmrestd.cluster.embedded.engine.admin_store import AdminStore
    from slurmrestd.cluster.embedded.engine.config import EngineConfig, NodeConfig
    from slurmrestd.cluster.embedded.engine.supervisor import Supervisor

log = logging.getLogger(__name__)

NODE_BUSY_TEXT = "Requested nodes are busy"


def require_operator(user: Submitter, what: str) -> None:
    """slurmctld refuses administrative RPCs from other users with "Invalid user id".

    Raises:
        SlurmError: 2010 for anyone but root, SlurmUser and the daemon's user.
    """
    if not user.is_operator:
        raise SlurmError(Errno.USER_ID_MISSING, f"{what} is for operators only", what)


class AdminOperations:
    # Provided by WorkloadManager.
    _cond: threading.Condition
    _jobs: dict[int, JobRecord]
    _active: set[int]
    _clock: Callable[[], float]
    _processes: Supervisor
    _base_config: EngineConfig
    _admin: AdminState
    _admin_store: AdminStore
    config: EngineConfig
    if TYPE_CHECKING:

        def _commit(self, records: list[JobRecord], now: float) -> None: ...
        def _changed(self, now: float) -> None: ...

    # ---------------------------------------------------------------- reads --

    @property
    def admin_state(self) -> AdminState:
        """Run-time changes over slurm.conf (for node reasons, reservations ...)."""
        return self._admin

    def reservations(self) -> list[ReservationRecord]:
        return sorted(self._admin.reservations.values(), key=lambda r: r.name)

    # --------------------------------------------------------------- install --

    def _install(self, state: AdminState, now: float) -> None:
        """Make `state` durable, then the configuration everything schedules by.

        Raises:
            SlurmError: 2019 the store failed; nothing changed.
        """
        try:
            self._admin_store.save(state)
        except StoreError as exc:
            log.error("%s", exc)
            raise SlurmError(Errno.WRITING_TO_FILE, str(exc), "controller_state") from None
        self._admin = state
        self.config = effective(self._base_config, state)
        self._changed(now)

    def _running(self) -> list[JobRecord]:
        return [self._jobs[i] for i in sorted(self._active) if holds_resources(self._jobs[i])]

    # ----------------------------------------------------------------- nodes --

    def _configured_node(self, name: str) -> NodeConfig:
        node = self._base_config.node(name) or self._admin.dynamic_nodes.get(name)
        if node is None:
            raise SlurmError(Errno.INVALID_NODE_NAME, f"node {name!r} not found", "update_node")
        return node

    def update_nodes(self, user: Submitter, change: NodeUpdate) -> None:
        """Apply `change` to every node it names; a node set DOWN loses its jobs.

        Raises:
            SlurmError: 2010 not an operator, 2018 unknown node, or node_admin's refusals.
        """
        require_operator(user, "update_node")
        with self._cond:
            now = self._clock()
            state = self._admin
            for name in change.names:
                configured = self._configured_node(name)
                override = node_admin.update(
                    configured, state.nodes.get(name), change, user.user_name, now
                )
                state = state.with_node(override)
            was_down = {n.name for n in self.config.nodes if n.state in ("DOWN", "FAIL")}
            self._install(state, now)
            down = {n.name for n in self.config.nodes if n.state in ("DOWN", "FAIL")}
            self._fail_jobs_on(down - was_down, now)

    def _fail_jobs_on(self, nodes: set[str], now: float) -> None:
        """Jobs running on nodes that went DOWN are killed: requeued when they may be,
        else cancelled with reason NodeDown (slurmctld would say NODE_FAIL; the
        engine's lifecycle has no such state)."""
        if not nodes:
            return
        changed = []
        for job in self._running():
            if job.state is not JobState.RUNNING or job.completing or not nodes & set(job.nodes):
                continue
            if job.requeue:
                changed.append(apply(job, Event.REQUEUE, restart_count=job.restart_count + 1))
            else:
                changed.append(apply(job, Event.CANCEL, reason=Reason.NODE_DOWN, end_time=int(now)))
        self._commit(changed, now)
        for job in changed:
            self._processes.kill(job, now)

    def create_nodes(self, user: Submitter, node_conf: str) -> tuple[str, ...]:
        """Add the dynamic nodes of a NodeName= line; returns their names.

        Raises:
            SlurmError: 2010 not an operator, or node_admin.new_nodes' refusals.
        """
        require_operator(user, "create_node")
        with self._cond:
            nodes = node_admin.new_nodes(node_conf, (n.name for n in self.config.nodes))
            state = self._admin
            for node in nodes:
                state = state.with_dynamic_node(node)
            self._install(state, self._clock())
        return tuple(n.name for n in nodes)

    def delete_node(self, user: Submitter, name: str) -> None:
        """Remove a dynamic node.

        Raises:
            SlurmError: 2010 not an operator, 2018 unknown, 2028 not a dynamic
                node, 2016 jobs or a reservation hold it.
        """
        require_operator(user, "delete_node")
        with self._cond:
            self._configured_node(name)
            if name not in self._admin.dynamic_nodes:
                raise SlurmError(
                    Errno.INVALID_NODE_STATE,
                    f"node {name} is configured in slurm.conf; only dynamic nodes can be deleted",
                    "delete_node",
                )
            held = any(name in job.nodes for job in self._running())
            reserved = any(name in r.nodes for r in self._admin.reservations.values())
            if held or reserved:
                raise SlurmError(Errno.NODES_BUSY, NODE_BUSY_TEXT, "delete_node")
            self._install(self._admin.without_node(name), self._clock())

    # ------------------------------------------------------------ partitions --

    def put_partition(self, user: Submitter, change: PartitionUpdate) -> None:
        """Create a partition, or change the fields `change` gives.

        Raises:
            SlurmError: 2010 not an operator, or partition_admin.put's refusals.
        """
        require_operator(user, "update_partition")
        with self._cond:
            part = partition_admin.put(change, self.config)
            self._install(self._admin.with_partition(part), self._clock())

    def delete_partition(self, user: Submitter, name: str) -> None:
        """Remove a partition no job uses.

        Raises:
            SlurmError: 2010 not an operator, 2000 unknown, 2075 in use.
        """
        require_operator(user, "delete_partition")
        with self._cond:
            active = [self._jobs[i] for i in self._active]
            partition_admin.check_delete(name, self.config, active)
            self._install(self._admin.without_partition(name), self._clock())

    # ---------------------------------------------------------- reservations --

    def put_reservation(self, user: Submitter, req: ReservationRequest) -> ReservationRecord:
        """Create a reservation, or change the one `req.name` names.

        Raises:
            SlurmError: 2010 not an operator, or reservations.put's refusals.
        """
        require_operator(user, "reservation")
        with self._cond:
            now = self._clock()
            busy = [
                Busy(job.nodes, self._processes.release_time(job, now), job.reservation)
                for job in self._running()
            ]
            record = reservations.put(req, self._admin.reservations, self.config, busy, now)
            self._install(self._admin.with_reservation(record), now)
            return record

    def delete_reservation(self, user: Submitter, name: str) -> None:
        """Remove a reservation; its pending jobs wait with ReservationDeleted.

        Raises:
            SlurmError: 2053 unknown, 2010 not allowed, 2055 jobs run in it.
        """
        with self._cond:
            resv = self._admin.reservations.get(name)
            if resv is None:
                raise SlurmError(
                    Errno.RESERVATION_INVALID, f"reservation {name!r} not found", "reservation"
                )
            if not reservations.may_delete(resv, user):
                require_operator(user, "reservation")
            if reservations.running_in(name, self._jobs.values(), holds_resources):
                raise SlurmError(Errno.RESERVATION_BUSY, reservations.IN_USE_TEXT, "reservation")
            self._install(self._admin.without_reservations({name}), self._clock())

    def _purge_reservations(self, now: float) -> None:
        """Forget reservations that have ended (called by the scheduler, lock held)."""
        ended = {r.name for r in self._admin.reservations.values() if r.end_time <= now}
        if not ended:
            return
        try:
            self._install(self._admin.without_reservations(ended), now)
        except SlurmError:
            pass  # logged by _install; tried again on the next pass
        else:
            log.info("reservations ended: %s", ", ".join(sorted(ended)))
