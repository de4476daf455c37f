"""dbv0.0.38 POST bodies for /accounts and /users: captured requests parse, bad ones
are rejected with a SlurmError naming the field."""

from __future__ import annotations

import json

import pytest

from slurmrestd.api.versions.dbv0_0_38.accounts import parse_account_request
from slurmrestd.api.versions.dbv0_0_38.users import parse_user_request
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.model.accounting import Account, AdminLevel, User


def read_request(reference, name):
    return json.loads((reference / "slurm-22.05" / "requests" / name).read_text())


def test_captured_accounts_request(shared_reference):
    body = read_request(shared_reference, "accounts_add.json")
    assert parse_account_request(body) == (
        Account(name="restacct", description="created via REST", organization="rest"),
    )


def test_captured_users_request(shared_reference):
    body = read_request(shared_reference, "users_add.json")
    assert parse_user_request(body) == (
        User(name="carol", administrator_level=AdminLevel.NONE, default_account="research"),
    )


ACCOUNT = {"name": "a", "description": "d", "organization": "o"}


@pytest.mark.parametrize(
    ("body", "errno", "description"),
    [
        (
            {"accounts": [{**ACCOUNT, "nosuch": 1}]},
            Errno.DATA_PATH_NOT_FOUND,
            "accounts[0].nosuch: unknown field",
        ),
        (
            {"accounts": [ACCOUNT, {**ACCOUNT, "name": 5}]},
            Errno.DATA_CONV_FAILED,
            "accounts[1].name: expected string",
        ),
        (
            {"accounts": [{**ACCOUNT, "flags": "x"}]},
            Errno.DATA_CONV_FAILED,
            "accounts[0].flags: expected array",
        ),
        (
            {"accounts": [{**ACCOUNT, "associations": [{"user": 1}]}]},
            Errno.DATA_CONV_FAILED,
            "accounts[0].associations[0].user: expected string",
        ),
        (
            {"accounts": [{"description": "d"}]},
            Errno.DATA_PATH_NOT_FOUND,
            "accounts[0].name: missing",
        ),
        ({"acounts": []}, Errno.DATA_PATH_NOT_FOUND, "acounts: unknown field"),
        ({"accounts": {}}, Errno.DATA_EXPECTED_LIST, "accounts: expected array"),
        ({"accounts": ["a"]}, Errno.DATA_EXPECTED_DICT, "accounts[0]: expected object"),
        ([], Errno.DATA_EXPECTED_DICT, "body: expected object"),
    ],
)
def test_bad_accounts_request(body, errno, description):
    with pytest.raises(SlurmError) as info:
        parse_account_request(body, source="test_source")
    assert info.value.errno == errno
    assert info.value.description == description
    assert info.value.source == "test_source"


@pytest.mark.parametrize(
    ("user", "description"),
    [
        ({"name": "c", "default": {"account": 3}}, "users[0].default.account: expected string"),
        ({"name": "c", "default": "research"}, "users[0].default: expected object"),
        ({"name": "c", "default": {"qos": "x"}}, "users[0].default.qos: unknown field"),
        (
            {"name": "c", "administrator_level": "God"},
            "users[0].administrator_level: expected one of: Not Set, None, Operator, Administrator",
        ),
        (
            {"name": "c", "coordinators": [{"name": "o", "direct": "y"}]},
            "users[0].coordinators[0].direct: expected integer",
        ),
    ],
)
def test_bad_users_request(user, description):
    with pytest.raises(SlurmError) as info:
        parse_user_request({"users": [user]})
    assert info.value.errno in (
        Errno.DATA_CONV_FAILED,
        Errno.DATA_EXPECTED_DICT,
        Errno.DATA_PATH_NOT_FOUND,
    )
    assert info.value.description == description
    assert str(info.value) == description
