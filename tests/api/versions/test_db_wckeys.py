"""dbv0.0.38 wckeys as the real 22.05 daemon writes and reads them.

tests/slurm/data/c_dbv0.0.38_wckeys.json is the C daemon's GET /wckeys of the
testbed: its user's only wckey, hence its default.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schema_check import schema_errors
from slurmrestd.api.versions.dbv0_0_38 import wckeys as wckeys_38
from slurmrestd.api.versions.v0_0_46 import slurmdb_wckeys as wckeys_46
from slurmrestd.cluster.errors import SlurmError
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
