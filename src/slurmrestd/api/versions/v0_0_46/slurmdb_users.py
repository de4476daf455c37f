"""v0.0.46 users (v0.0.46_user)."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.shape import Shape, row
from slurmrestd.api.versions.v0_0_46.slurmdb_accounts import ASSOC_SHORT_LIST, COORDINATOR_LIST
from slurmrestd.api.versions.v0_0_46.slurmdb_values import FLAG, INT, STRING, STRINGS
from slurmrestd.api.versions.v0_0_46.slurmdb_wckeys import WCKEY_LIST
from slurmrestd.model.accounting import User

USER = Shape(
    User,
    [
        row("administrator_level", "administrator_level", FLAG),
        row("associations", "associations", ASSOC_SHORT_LIST),
        row("coordinators", "coordinators", COORDINATOR_LIST),
        row("default/qos", "default_qos", INT),
        row("default/account", "default_account", STRING),
        row("default/wckey", "default_wckey", STRING),
        row("flags", "flags", STRINGS),
        row("name", "name", STRING),
        row("old_name", "old_name", STRING),
        row("wckeys", "wckeys", WCKEY_LIST),
    ],
)


def render_user(user: User) -> dict[str, Any]:
    return USER.render(user)
