"""v0.0.40 ... v0.0.45 job bodies: v0.0.46's mapping, each version's own schema, and
the keys only older versions have."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from slurmrestd.api.versions.request import RequestInvalid
from slurmrestd.cluster.errors import Errno

VERSIONS = range(40, 46)
SCRIPT = "#!/bin/sh\ntrue\n"


def parser(version: int) -> Any:
    return importlib.import_module(f"slurmrestd.api.versions.v0_0_{version}.job_desc")


def job(**fields: Any) -> dict[str, Any]:
    return {"current_working_directory": "/tmp", "environment": ["PATH=/bin"], **fields}


def refusal(version: int, body: Any, update: bool = False) -> RequestInvalid:
    with pytest.raises(RequestInvalid) as caught:
        if update:
            parser(version).parse_update(body)
        else:
            parser(version).parse_submit(body)
    return caught.value


@pytest.mark.parametrize("version", VERSIONS)
def test_submit_maps_like_v0_0_46(version: int) -> None:
    parsed = parser(version).parse_submit(
        {"script": SCRIPT, "job": job(time_limit="30", name="x", nodes="2-3")}
    )
    (desc,) = parsed.descriptions
    assert (desc.script, desc.name, desc.time_limit) == (SCRIPT, "x", 30)
    assert (desc.minimum_nodes, desc.maximum_nodes) == (2, 3)
    assert desc.environment == {"PATH": "/bin"}
    assert parsed.warnings[0]["source"] == f"slurm_v00{version}_post_job_submit"  # "30" converted


@pytest.mark.parametrize("version", VERSIONS)
def test_update_checks_the_version_schema(version: int) -> None:
    assert parser(version).parse_update({"comment": "c"}).description.comment == "c"
    error = refusal(version, {"runtime": "crun"}, update=True)  # v0.0.46 only
    assert error.errno == Errno.DATA_PATH_NOT_FOUND
    assert error.entries[0]["source"] == f"slurm_v00{version}_post_job"


def test_v45_container_type_is_the_runtime() -> None:
    (desc,) = (
        parser(45).parse_submit({"script": SCRIPT, "job": job(container_type="crun")}).descriptions
    )
    assert desc.extra["runtime"] == "crun"
    assert (
        "container_type"
        in refusal(44, {"container_type": "crun"}, update=True).entries[0]["description"]
    )


def test_v44_ignores_power_flags_and_v43_has_no_step_id() -> None:
    desc = parser(44).parse_update({"power_flags": [], "comment": "c"}).description
    assert "power_flags" not in desc.extra and desc.comment == "c"
    step = {"step_id": {"step_id": "batch"}}
    assert parser(44).parse_update(step).description.extra["step_id"] == {"step_id": "batch"}
    assert refusal(43, step, update=True).errno == Errno.DATA_PATH_NOT_FOUND


@pytest.mark.parametrize(
    ("body", "exclusive", "shared"),
    [
        ({"exclusive": ["true"]}, True, None),
        ({"exclusive": ["false"]}, False, None),
        ({"exclusive": ["user"]}, True, "user"),
        ({"oversubscribe": True}, False, "oversubscribe"),
        ({"oversubscribe": False}, None, None),
    ],
)
@pytest.mark.parametrize("version", [40, 41])
def test_v41_and_v40_sharing_keys(version: int, body: dict, exclusive, shared) -> None:
    desc = parser(version).parse_update(body).description
    assert (desc.exclusive, desc.extra.get("shared")) == (exclusive, shared)


def test_sharing_keys_are_gone_in_v42_and_topo_is_new_in_v41() -> None:
    assert refusal(42, {"exclusive": ["user"]}, update=True).errno == Errno.DATA_PATH_NOT_FOUND
    assert parser(41).parse_update({"exclusive": ["topo"]}).description.extra["shared"] == "topo"
    assert refusal(40, {"exclusive": ["topo"]}, update=True).errno == Errno.DATA_CONV_FAILED


@pytest.mark.parametrize("version", [40, 45])
def test_submit_refusals(version: int) -> None:
    assert refusal(version, None).errno == Errno.DATA_PARSE_NOTHING
    assert refusal(version, {"script": SCRIPT}).errno == Errno.REST_INVALID_JOBS_DESC
    assert refusal(version, {"job": job()}).errno == Errno.JOB_SCRIPT_MISSING
    both = {"script": SCRIPT, "job": job(), "jobs": [job()]}
    assert refusal(version, both).errno == Errno.REST_INVALID_JOBS_DESC
    bad = refusal(version, {"script": SCRIPT, "job": job(environment=["NOEQUALS"])})
    assert "job/environment/0" in bad.entries[0]["description"]
