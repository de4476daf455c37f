"""dbv0.0.38 users: GET /users, /user/{name}, POST /users bodies."""

from __future__ import annotations

from typing import Any

from slurmrestd.api.versions.dbv0_0_38.accounts import ASSOC_SHORT, COORDINATOR
from slurmrestd.api.versions.dbv0_0_38.requests import parse_list_body
from slurmrestd.api.versions.dbv0_0_38.shape import Shape, listed, nested, row
from slurmrestd.api.versions.dbv0_0_38.values import STRING, STRINGS, TEXT, choice
from slurmrestd.model.accounting import AdminLevel, User

# Key order as GET_slurmdb_v0.0.38_users.json; an unset default account is null,
# an unset default wckey "" (user carol in GET_slurmdb_v0.0.38_user_{user_name}__created).
USER = Shape(
    User,
    [
        row("administrator_level", "administrator_level", choice(AdminLevel)),
        row("associations", "associations", listed(nested(ASSOC_SHORT))),
        row("coordinators", "coordinators", listed(nested(COORDINATOR))),
        row("default/account", "default_account", STRING),
        row("default/wckey", "default_wckey", TEXT),
        row("flags", "flags", STRINGS),
        row("name", "name", STRING),
    ],
)


def render_user(user: User) -> dict[str, Any]:
    return USER.render(user)


def parse_user(data: Any, source: str = "parse_user") -> User:
    """Raises: SlurmError naming the field that does not fit."""
    return USER.parse(data, source)


def parse_user_request(body: Any, source: str = "op_handler_users") -> tuple[User, ...]:
    """The users of a POST /slurmdb/v0.0.38/users body ({"users": [...]}).

    Raises: SlurmError naming the field that does not fit.
    """
    return parse_list_body(body, "users", USER, source)
