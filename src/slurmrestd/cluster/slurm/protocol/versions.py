"""The one table from a protocol version to the layouts that speak it.

Adding a Slurm release is one module of layout changes plus one row here.
The header and the auth/jwt credential have the same shape in every version
listed, so only message bodies vary.
"""

from __future__ import annotations

from dataclasses import dataclass

from slurmrestd.cluster.slurm.protocol import messages_2205, messages_2302
from slurmrestd.cluster.slurm.protocol.layout import Layout
from slurmrestd.cluster.slurm.protocol.wire import (
    SLURM_22_05_PROTOCOL_VERSION,
    SLURM_23_02_PROTOCOL_VERSION,
)


@dataclass(frozen=True, slots=True)
class ProtocolVersion:
    number: int  # as the header carries it
    release: str  # the Slurm release that speaks it, e.g. "22.05"
    job_desc: Layout
    return_code: Layout
    return_code_msg: Layout
    submit_response: Layout
    allocation_response: Layout
    license_request: Layout
    license_info: Layout  # the reply's head; `license` rows follow
    license: Layout
    # Whether job_desc carries the select plugin's id (dropped in 23.02).
    sends_select_plugin: bool


PROTOCOLS: dict[int, ProtocolVersion] = {
    SLURM_22_05_PROTOCOL_VERSION: ProtocolVersion(
        number=SLURM_22_05_PROTOCOL_VERSION,
        release="22.05",
        job_desc=messages_2205.JOB_DESC,
        return_code=messages_2205.RETURN_CODE,
        return_code_msg=messages_2205.RETURN_CODE_MSG,
        submit_response=messages_2205.SUBMIT_RESPONSE,
        allocation_response=messages_2205.ALLOCATION_RESPONSE,
        license_request=messages_2205.LICENSE_INFO_REQUEST,
        license_info=messages_2205.LICENSE_INFO,
        license=messages_2205.LICENSE,
        sends_select_plugin=True,
    ),
    SLURM_23_02_PROTOCOL_VERSION: ProtocolVersion(
        number=SLURM_23_02_PROTOCOL_VERSION,
        release="23.02",
        job_desc=messages_2302.JOB_DESC,
        return_code=messages_2302.RETURN_CODE,
        return_code_msg=messages_2302.RETURN_CODE_MSG,
        submit_response=messages_2302.SUBMIT_RESPONSE,
        allocation_response=messages_2302.ALLOCATION_RESPONSE,
        license_request=messages_2302.LICENSE_INFO_REQUEST,
        license_info=messages_2302.LICENSE_INFO,
        license=messages_2302.LICENSE,
        sends_select_plugin=False,
    ),
}
DEFAULT_PROTOCOL = SLURM_22_05_PROTOCOL_VERSION


def protocol_for(number: int) -> ProtocolVersion:
    """The layouts of protocol version `number`.

    Raises:
        KeyError: a version this client cannot speak.
    """
    try:
        return PROTOCOLS[number]
    except KeyError:
        known = ", ".join(p.release for p in PROTOCOLS.values())
        raise KeyError(f"protocol version {number:#06x} not supported (known: {known})") from None


def protocol_of_release(major: int, minor: int) -> int | None:
    """The protocol version Slurm `major.minor` speaks, if this client knows it."""
    release = f"{major}.{minor:02d}"
    return next((p.number for p in PROTOCOLS.values() if p.release == release), None)
