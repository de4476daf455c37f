"""The job lifecycle as a transition table: (state, flags, event) -> (state, flags).

Rules:
- Everything that moves a job between states goes through `transition`; the
  manager never assigns a state directly.
- A kill (cancel, time limit, requeue) sets the final state at once and adds
  COMPLETING, as slurmctld does; resources stay held until the processes are
  gone (REAPED), which clears the flag.
- A requeue of a running job is PENDING + COMPLETING + REQUEUED until REAPED,
  then plain PENDING. A finished job may be requeued directly.
- Any event not in the table is illegal: `IllegalTransition` names the state,
  flags and event, and the record is left unchanged.
This module decides nothing about processes, resources or permissions.
"""

from __future__ import annotations

import enum
import os
import signal
from dataclasses import replace

from slurmrestd.cluster.embedded.engine.records import JobFlag, JobRecord, JobState, Reason


class Event(enum.Enum):
    START = "start"
    EXIT_OK = "exit_ok"
    EXIT_FAILED = "exit_failed"
    EXIT_OOM = "exit_oom"
    CANCEL = "cancel"
    TIME_LIMIT = "time_limit"
    REQUEUE = "requeue"
    LAUNCH_FAILED = "launch_failed"
    PROCESS_LOST = "process_lost"  # process and status both gone
    REAPED = "reaped"  # the processes of a COMPLETING job are gone


_NONE = JobFlag.NONE
_DONE = JobFlag.COMPLETING
_REQ = JobFlag.COMPLETING | JobFlag.REQUEUED
_P, _R = JobState.PENDING, JobState.RUNNING

TRANSITIONS: dict[tuple[JobState, JobFlag, Event], tuple[JobState, JobFlag]] = {
    (_P, _NONE, Event.START): (_R, _NONE),
    (_P, _NONE, Event.CANCEL): (JobState.CANCELLED, _NONE),
    (_P, _NONE, Event.LAUNCH_FAILED): (JobState.FAILED, _NONE),
    (_R, _NONE, Event.EXIT_OK): (JobState.COMPLETED, _NONE),
    (_R, _NONE, Event.EXIT_FAILED): (JobState.FAILED, _NONE),
    (_R, _NONE, Event.EXIT_OOM): (JobState.OUT_OF_MEMORY, _NONE),
    (_R, _NONE, Event.PROCESS_LOST): (JobState.FAILED, _NONE),
    (_R, _NONE, Event.CANCEL): (JobState.CANCELLED, _DONE),
    (_R, _NONE, Event.TIME_LIMIT): (JobState.TIMEOUT, _DONE),
    (_R, _NONE, Event.REQUEUE): (_P, _REQ),
    (_P, _REQ, Event.REAPED): (_P, _NONE),
    (_P, _REQ, Event.PROCESS_LOST): (_P, _NONE),
    # Cancelled while a requeue is still killing the old run: stays cancelled.
    (_P, _REQ, Event.CANCEL): (JobState.CANCELLED, _DONE),
    (JobState.CANCELLED, _DONE, Event.REAPED): (JobState.CANCELLED, _NONE),
    (JobState.CANCELLED, _DONE, Event.PROCESS_LOST): (JobState.CANCELLED, _NONE),
    (JobState.TIMEOUT, _DONE, Event.REAPED): (JobState.TIMEOUT, _NONE),
    (JobState.TIMEOUT, _DONE, Event.PROCESS_LOST): (JobState.TIMEOUT, _NONE),
}
# A finished job can be requeued: it becomes pending again.
for _state in JobState:
    if _state.finished:
        TRANSITIONS[(_state, _NONE, Event.REQUEUE)] = (_P, _NONE)


class IllegalTransition(Exception):
    def __init__(self, state: JobState, flags: JobFlag, event: Event) -> None:
        super().__init__(f"{event.value} is not allowed in state {state} (flags {flags})")
        self.state, self.flags, self.event = state, flags, event


def transition(state: JobState, flags: JobFlag, event: Event) -> tuple[JobState, JobFlag]:
    """Next (state, flags) for an event.

    Raises:
        IllegalTransition: the event is not allowed in this state.
    """
    try:
        return TRANSITIONS[(state, flags, event)]
    except KeyError:
        raise IllegalTransition(state, flags, event) from None


def allowed(state: JobState, flags: JobFlag, event: Event) -> bool:
    return (state, flags, event) in TRANSITIONS


def outcome(
    status: int | None, *, memory_limited: bool, engine_killed: bool
) -> tuple[Event, Reason]:
    """The event and reason for a running job's end, from its raw wait status.

    A SIGKILL the engine did not send, to a job that asked for memory, is read
    as the kernel's OOM killer (the only OOM signal visible without cgroups).
    """
    if status is None:
        return Event.PROCESS_LOST, Reason.SYSTEM_FAILURE
    if os.WIFEXITED(status):
        if os.WEXITSTATUS(status) == 0:
            return Event.EXIT_OK, Reason.NONE
        return Event.EXIT_FAILED, Reason.NON_ZERO_EXIT
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    if killed and memory_limited and not engine_killed:
        return Event.EXIT_OOM, Reason.OUT_OF_MEMORY
    return Event.EXIT_FAILED, Reason.RAISED_SIGNAL


def apply(job: JobRecord, event: Event, **changes: object) -> JobRecord:
    """The record after `event`, with other fields changed alongside.

    Raises:
        IllegalTransition: the event is not allowed in the job's state.
    """
    state, flags = transition(job.state, job.flags, event)
    return replace(job, state=state, flags=flags, **changes)


def fresh_run(restart_count: int) -> dict[str, object]:
    """Fields reset when a job goes back to the queue for another run."""
    return dict(
        restart_count=restart_count,
        start_time=None,
        end_time=None,
        exit_code=None,
        allocation=(),
        pid=None,
        process_token=None,
        reason=Reason.NONE,
        eligible_time=None,
    )
