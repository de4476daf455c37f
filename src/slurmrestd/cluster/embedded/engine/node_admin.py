"""What operators change on nodes at run time: state (drain, down, resume) with a
reason, comment, features, weight; dynamic nodes created and deleted.

Pure rules over one node at a time; the manager checks who asks, persists the
result and acts on jobs (a node set DOWN loses its jobs). A node's state here
overrides the one slurm.conf gives until the node is resumed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from slurmrestd.cluster.embedded.engine.config import ConfigError, NodeConfig, parse_nodes
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.node_update import NodeUpdate
from slurmrestd.slurmconf import SlurmConfError, parse_text

MAX_WEIGHT = 0xFFFFFFFE  # uint32 below Slurm's INFINITE

SOURCE = "update_node"
# States an update may ask for; IDLE clears DOWN/DRAIN like RESUME but never refuses.
_DOWN_STATES = frozenset({"DOWN", "FAIL"})
# What RESUME (or IDLE) brings back; FUTURE and CLOUD nodes have no slurmd here to
# register them, so an operator does.
_RESUMABLE = _DOWN_STATES | {"DRAIN", "FUTURE", "CLOUD"}
# States a dynamic node may be created in (slurmctld refuses the others).
CREATE_STATES = frozenset({"IDLE", "FUTURE", "CLOUD", "EXTERNAL"})
_NOT_IN_ENGINE = ("resume_after",)


def _error(errno: Errno, description: str = "") -> SlurmError:
    return SlurmError(errno, description, SOURCE)


@dataclass(frozen=True, slots=True)
class NodeOverride:
    """Run-time changes to one node; None = as configured."""

    name: str
    state: str | None = None  # "DRAIN", "DOWN", or "IDLE" for a resumed configured-DOWN node
    reason: str = ""
    reason_time: int = 0
    reason_user: str = ""
    comment: str | None = None
    extra: str | None = None
    features: tuple[str, ...] | None = None
    active_features: tuple[str, ...] | None = None
    weight: int | None = None


def apply_to(node: NodeConfig, override: NodeOverride | None) -> NodeConfig:
    """The node as the scheduler sees it with the override applied."""
    if override is None:
        return node
    return replace(
        node,
        state=override.state or node.state,
        features=override.features if override.features is not None else node.features,
    )


def _next_state(configured: NodeConfig, current: str, word: str) -> str | None:
    """The override state after one requested state word (None = as configured)."""
    cleared = None if configured.usable else "IDLE"
    if word == "DRAIN":
        return current if current in _DOWN_STATES else "DRAIN"
    if word == "DOWN":
        return "DOWN"
    if word == "IDLE":
        return cleared if current in _RESUMABLE else None
    if word == "RESUME":
        if current not in _RESUMABLE:
            raise _error(Errno.INVALID_NODE_STATE, f"node {configured.name} is not down or drained")
        return cleared
    if word == "UNDRAIN":
        if current != "DRAIN":
            raise _error(Errno.INVALID_NODE_STATE, f"node {configured.name} is not drained")
        return cleared
    raise _error(Errno.INVALID_NODE_STATE, f"state {word} cannot be set here")


def update(
    configured: NodeConfig,
    current: NodeOverride | None,
    change: NodeUpdate,
    user_name: str,
    now: float,
) -> NodeOverride:
    """The node's override after `change`.

    Raises:
        SlurmError: 2028 a state this node cannot take, 2031 active features
            not among the features, 2036 a field the engine cannot change.
    """
    unsupported = [name for name in _NOT_IN_ENGINE if getattr(change, name) is not None]
    unsupported += sorted(change.other)
    if unsupported:
        raise _error(Errno.NOT_SUPPORTED, f"cannot update {', '.join(unsupported)} here")
    out = current or NodeOverride(configured.name)
    if change.state:
        state = out.state
        for word in change.state:
            state = _next_state(configured, state or configured.state, word.upper())
        resumed = state in (None, "IDLE") and out.state not in (None, "IDLE")
        out = replace(out, state=state)
        if resumed:
            out = replace(out, reason="", reason_time=0, reason_user="")
    if change.reason is not None:
        out = replace(out, reason=change.reason, reason_time=int(now), reason_user=user_name)
    if change.comment is not None:
        out = replace(out, comment=change.comment)
    if change.extra is not None:
        out = replace(out, extra=change.extra)
    if change.features is not None:
        out = replace(out, features=tuple(change.features))
    if change.active_features is not None:
        features = out.features if out.features is not None else configured.features
        if not set(change.active_features) <= set(features):
            raise _error(Errno.ACTIVE_FEATURE_NOT_SUBSET, "active features must be features")
        out = replace(out, active_features=tuple(change.active_features))
    if change.weight is not None:
        if not 0 <= change.weight <= MAX_WEIGHT:  # infinite means nothing for a weight
            raise _error(Errno.DATA_CONV_FAILED, f"weight {change.weight} is out of range")
        out = replace(out, weight=int(change.weight))
    return out


def new_nodes(node_conf: str, known: Iterable[str]) -> tuple[NodeConfig, ...]:
    """The nodes a `NodeName=... CPUs=...` line defines (POST /new/node).

    Raises:
        SlurmError: 2018 an unreadable line, no name or a name already in use,
            2028 a state dynamic nodes cannot start in.
    """
    if any(
        line.split()[:1] and line.split()[0].lower() == "include" for line in node_conf.splitlines()
    ):
        # The line is the client's: it must not make the daemon read its files.
        raise SlurmError(
            Errno.INVALID_NODE_NAME, "Include is not allowed in node_conf", "create_node"
        )
    try:
        conf = parse_text(node_conf, filename="node_conf")
        nodes = parse_nodes(conf)
    except (SlurmConfError, ConfigError) as exc:
        raise SlurmError(Errno.INVALID_NODE_NAME, str(exc), "create_node") from None
    if not nodes or conf.options or len(conf.nodes) != len(conf.all_records):
        raise SlurmError(Errno.INVALID_NODE_NAME, "expected one NodeName= line", "create_node")
    taken = set(known)
    for node in nodes:
        if node.name in taken:
            raise SlurmError(
                Errno.INVALID_NODE_NAME, f"node {node.name} already exists", "create_node"
            )
        if node.state not in CREATE_STATES:
            raise SlurmError(
                Errno.INVALID_NODE_STATE,
                f"dynamic nodes start in one of {', '.join(sorted(CREATE_STATES))}",
                "create_node",
            )
        taken.add(node.name)
    return nodes
