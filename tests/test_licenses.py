"""Licenses: slurm.conf syntax, the embedded table, and GET /slurm/*/licenses per version."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.numbers import INFINITE, no_val
from slurmrestd.auth.base import AuthContext
from slurmrestd.auth.local import LocalAuth
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind
from slurmrestd.model.license import License, parse_licenses
from slurmrestd.slurmconf import parse_text

PEER = PeerInfo(TransportKind.UNIX, "u", PeerCredentials(os.getpid(), os.getuid(), os.getgid()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, ()),
        ("", ()),
        ("fluent:30", (("fluent", 30),)),
        ("fluent:30,ansys*2, matlab", (("fluent", 30), ("ansys", 2), ("matlab", 1))),
    ],
)
def test_parse_licenses(text, expected):
    assert parse_licenses(text) == expected


@pytest.mark.parametrize("text", ["a:0", "a:-1", "a:x", ":3", "a,a", "a:1,a:2"])
def test_parse_licenses_rejects(text):
    with pytest.raises(ValueError):
        parse_licenses(text)


def test_free_never_negative():
    assert License("a", total=4, used=3).free == 1
    assert License("a", total=4, used=3, last_deficit=2).free == 0
    assert License("a", total=2, used=3).free == 0  # after a reconfigure lowered the total


def test_reserved_licenses_still_count_as_free():
    # As 22.05 shows them (scontrol and the C daemon): Total=2 Reserved=1 Free=2.
    assert License("matlab", total=2, reserved=1).free == 2


def test_no_val_objects():
    assert no_val(None) == {"set": False, "infinite": False, "number": 0}
    assert no_val(INFINITE) == {"set": False, "infinite": True, "number": 0}
    assert no_val(7) == {"set": True, "infinite": False, "number": 7}


def cluster_with(licenses: str) -> EmbeddedCluster:
    return EmbeddedCluster(parse_text(f"ClusterName=c\nLicenses={licenses}\n"))


def test_embedded_table_and_reload():
    cluster = cluster_with("a:2,b")
    snapshot = cluster.licenses(None)  # type: ignore[arg-type]
    assert [(x.name, x.total, x.used, x.free) for x in snapshot.licenses] == [
        ("a", 2, 0, 2),
        ("b", 1, 0, 1),
    ]
    cluster.reload(parse_text("Licenses=c:9\n"))
    assert [x.name for x in cluster.licenses(None).licenses] == ["c"]  # type: ignore[arg-type]
    with pytest.raises(SlurmError) as info:
        cluster.reload(parse_text("Licenses=c:0\n"))
    assert info.value.errno == Errno.INVALID_LICENSES
    assert [x.name for x in cluster.licenses(None).licenses] == ["c"]  # type: ignore[arg-type]


def test_invalid_licenses_refuse_to_start():
    with pytest.raises(SlurmError):
        cluster_with("x:none")


def get(app: RestApp, path: str) -> tuple[int, dict]:
    request = HttpRequest("GET", path, "", "1.1", Headers([]), b"")
    response = asyncio.run(app(request, PEER))
    return response.status, json.loads(response.body)


@pytest.fixture(scope="module")
def app() -> RestApp:
    context = AuthContext(os.getuid(), os.getgid(), "me")
    return RestApp(
        units=plugins.resolve(None, None),
        auth_plugins=[LocalAuth(context)],
        cluster=cluster_with("fluent:30,matlab"),
    )


def test_v0038_shape(app, shared_reference):
    status, doc = get(app, "/slurm/v0.0.38/licenses")
    assert status == 200
    captured = json.loads(
        (shared_reference / "slurm-22.05/responses/GET_slurm_v0.0.38_licenses.json").read_text()
    )
    assert set(doc) == set(captured) == {"meta", "errors", "licenses"}
    assert doc["licenses"][0] == {
        "LicenseName": "fluent",
        "Total": 30,
        "Used": 0,
        "Free": 30,
        "Reserved": 0,
        "Remote": False,
    }


@pytest.mark.parametrize("minor", range(40, 47))
def test_newer_shape(app, minor):
    status, doc = get(app, f"/slurm/v0.0.{minor}/licenses")
    assert status == 200
    assert doc["last_update"]["set"] is True and doc["last_update"]["number"] > 0
    first = doc["licenses"][1]
    assert first["LicenseName"] == "matlab" and first["Total"] == 1 and first["Free"] == 1
    assert {"LastConsumed", "LastDeficit", "LastUpdate"} <= set(first)
    assert ("Nodes" in first) == (minor >= 44)
