"""dbv0.0.38 wckeys as the real 22.05 daemon writes and reads them.

tests/slurm/data/c_dbv0.0.38_wckeys.json is the C daemon's GET /wckeys of the
testbed: its user's only wckey, hence its default.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import orjson
import pytest

from schema_check import schema_errors
from slurm.fakes import FakeRunner
from slurmrestd.api import plugins
from slurmrestd.api.app import RestApp
from slurmrestd.api.operations import slurmdb_requests as requests
from slurmrestd.api.versions.dbv0_0_38 import wckeys as wckeys_38
from slurmrestd.api.versions.v0_0_46 import slurmdb_wckeys as wckeys_46
from slurmrestd.auth.base import Identity
from slurmrestd.cluster.accounting import WCKeyFilter
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.errors import SlurmError
from slurmrestd.cluster.slurm import sacctmgr_people as people
from slurmrestd.cluster.slurm import sacctmgr_text as st
from slurmrestd.cluster.slurm.accounting import SlurmAccounting
from slurmrestd.cluster.slurm.commands import SlurmCommands
from slurmrestd.http.message import Headers, HttpRequest, PeerCredentials, PeerInfo, TransportKind
from slurmrestd.model.accounting import WCKey

C_WCKEYS = Path(__file__).parents[2] / "slurm" / "data" / "c_dbv0.0.38_wckeys.json"
DEFAULT = WCKey("h15fxw", "h15fxu", "testbed", 5, is_default=True)


def test_a_default_wckey_renders_as_22_05_answers() -> None:
    [theirs] = json.loads(C_WCKEYS.read_text())["wckeys"]
    assert json.dumps(wckeys_38.render_wckey(DEFAULT)) == json.dumps(theirs)  # key order too


def test_stored_flags_come_before_default() -> None:
    deleted = WCKey("w", "u", "c", 1, ("DELETED",), is_default=True)
    assert wckeys_38.render_wckey(deleted)["flags"] == ["DELETED", "DEFAULT"]
    assert wckeys_38.render_wckey(WCKey("w", "u", "c", 2))["flags"] == []


def test_default_flag_is_read_back_as_the_mark() -> None:
    body = {"name": "w", "user": "u", "cluster": "c", "flags": ["DELETED", "DEFAULT"]}
    parsed = wckeys_38.parse_wckey(body)
    assert (parsed.flags, parsed.is_default) == (("DELETED",), True)
    assert wckeys_38.parse_wckey(wckeys_38.render_wckey(DEFAULT)) == DEFAULT


def test_the_usage_list_is_accounts_as_in_22_05() -> None:
    assert wckeys_38.parse_wckey({"name": "w", "accounts": []}).accounting == ()
    with pytest.raises(SlurmError):
        wckeys_38.parse_wckey({"name": "w", "accounting": []})


def test_the_rendering_fits_the_schema() -> None:
    # The schema names the usage list "accounting"; 22.05 writes "accounts" (an extra
    # key to the schema, which allows extra keys): no violation to list.
    value = wckeys_38.render_wckey(DEFAULT)
    assert schema_errors("dbv0.0.38", "dbv0.0.38_wckey", value, allow_null=True) == []


def test_newer_versions_have_no_default_flag() -> None:
    # v0.0.40+ list only DELETED among a wckey's flags.
    assert wckeys_46.render_wckey(DEFAULT)["flags"] == []
    assert schema_errors("v0.0.46", "v0.0.46_wckey", wckeys_46.render_wckey(DEFAULT)) == []


# ---------------------------------------------------------------- deleted wckeys
# 22.05's GET /wckeys and /wckey/{name} ask slurmdbd for deleted wckeys as well
# (with_deleted set in its wckey condition); v0.0.46 only when the query says so.


def test_22_05s_wckey_filters_include_deleted_ones() -> None:
    assert requests.wckey_filter({}, 38, "src").with_deleted
    assert not requests.wckey_filter({}, 46, "src").with_deleted
    assert requests.wckey_filter({"with_deleted": ""}, 46, "src").with_deleted
    assert requests.one_wckey_filter("w", 38) == WCKeyFilter(names=("w",), with_deleted=True)
    # A number is a name in dbv0.0.38, an id in v0.0.46.
    assert requests.one_wckey_filter("7", 38).names == ("7",)
    assert requests.one_wckey_filter("7", 46) == WCKeyFilter(ids=(7,))
    assert requests.one_wckey_filter("w", 46) == WCKeyFilter(names=("w",))


ROOT = Identity("root", 0, 0, "test/root")
PEER = PeerInfo(TransportKind.UNIX, "test", PeerCredentials(os.getpid(), 0, 0))
SHOW = st.show_command("wckey", st.WCKEY_FIELDS)
SHOW_ALL = st.show_command("wckey", st.WCKEY_FIELDS, "withdeleted")
# What sacctmgr lists once `gone` was removed after a job was charged to it.
SACCTMGR = {
    SHOW: (0, "5|kept|testbed|alice\n", ""),
    SHOW_ALL: (0, "5|kept|testbed|alice\n6|gone|testbed|alice\n", ""),
    people.SHOW_DEFAULT_WCKEYS: (0, "alice|kept\n", ""),
}


class RootAuth:
    """Test boundary: every request is root's."""

    name = "test/root"

    def authenticate(self, request: HttpRequest, peer: PeerInfo) -> Identity:
        return ROOT

    def reload(self, context: object) -> None:
        return None


class StoreCluster(EmbeddedCluster):
    """A cluster whose accounting is the slurm backend's store over a fake sacctmgr."""

    accounting: SlurmAccounting | None = None


@pytest.fixture(scope="module")
def app() -> RestApp:
    commands = SlurmCommands("/etc/slurm/slurm.conf", runner=FakeRunner(SACCTMGR), base_env={})
    cluster = StoreCluster()
    cluster.accounting = SlurmAccounting(commands, "testbed")
    return RestApp(units=plugins.resolve(None, None), auth_plugins=[RootAuth()], cluster=cluster)


def get(app: RestApp, path: str) -> list[dict[str, Any]]:
    path, _, query = path.partition("?")
    response = asyncio.run(app(HttpRequest("GET", path, query, "1.1", Headers([]), b""), PEER))
    assert response.status == 200
    return orjson.loads(response.body)["wckeys"]


def test_a_deleted_wckey_is_listed_by_dbv0_0_38_as_22_05_lists_it(app: RestApp) -> None:
    listed = get(app, "/slurmdb/v0.0.38/wckeys")
    assert [(w["name"], w["flags"]) for w in listed] == [
        ("kept", ["DEFAULT"]),
        ("gone", ["DELETED"]),
    ]
    assert schema_errors("dbv0.0.38", "dbv0.0.38_wckey", listed[1], allow_null=True) == []
    # v0.0.46 leaves it out unless asked.
    assert [w["name"] for w in get(app, "/slurmdb/v0.0.46/wckeys")] == ["kept"]
    asked = get(app, "/slurmdb/v0.0.46/wckeys?with_deleted")
    assert [(w["name"], w["flags"]) for w in asked] == [("kept", []), ("gone", ["DELETED"])]
