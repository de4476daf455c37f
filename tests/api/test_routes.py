"""Path templates, typed parameters and the three lookup outcomes (slurmrestd.api.routes)."""

from __future__ import annotations

import re

import pytest

from slurmrestd.api import openapi, plugins
from slurmrestd.api.routes import Match, RouteTable, compile_route, split_path

JOB = "/slurm/v0.0.38/job/{job_id}"


def table(*routes: tuple[str, str, dict[str, str] | None]) -> RouteTable[str]:
    """A table whose targets name the route: "GET /a/{b}"."""
    return RouteTable(
        compile_route(method, template, f"{method} {template}", types)
        for method, template, types in routes
    )


def test_compile_splits_literals_and_typed_params():
    route = compile_route("get", "/slurm/v0.0.38/job/{job_id}/", "t", {"job_id": "integer"})
    assert route.method == "GET"
    assert route.template == "/slurm/v0.0.38/job/{job_id}/"
    assert route.segments == ("slurm", "v0.0.38", "job", ("job_id", "integer"))
    assert route.target == "t"


def test_compile_untyped_param_is_string():
    route = compile_route("GET", "/a/{name}", "t")
    assert route.segments == ("a", ("name", "string"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/slurm/v0.0.38/ping", ("slurm", "v0.0.38", "ping")),
        ("//slurm//v0.0.38/ping/", ("slurm", "v0.0.38", "ping")),
        ("/", ()),
        ("", ()),
    ],
)
def test_split_path_drops_empty_segments(path, expected):
    assert split_path(path) == expected


PING = table(("GET", "/slurm/v0.0.38/ping/", None))


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/slurm/v0.0.38/ping", Match.FULL),
        ("/slurm/v0.0.38/ping/", Match.FULL),
        ("//slurm/v0.0.38//ping", Match.FULL),
        ("/slurm/v0.0.38/Ping", Match.NONE),  # literals compare exactly
        ("/slurm/v0.0.38/pin", Match.NONE),
        ("/slurm/v0.0.38/pingx", Match.NONE),
        ("/slurm/v0.0.38/ping/x", Match.NONE),  # segment count must be equal
        ("/slurm/v0.0.38", Match.NONE),
        ("/slurm/v0.0.37/ping", Match.NONE),
        ("/", Match.NONE),
    ],
)
def test_literal_paths(path, kind):
    assert PING.lookup("GET", path).kind is kind


TYPED = table(
    ("GET", "/t/int/{v}", {"v": "integer"}),
    ("GET", "/t/num/{v}", {"v": "number"}),
    ("GET", "/t/bool/{v}", {"v": "boolean"}),
    ("GET", "/t/str/{v}", {"v": "string"}),
)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/t/int/42", 42),
        ("/t/int/-7", -7),
        ("/t/int/abc", None),
        ("/t/int/4.5", None),
        ("/t/int/-", None),
        ("/t/int/--5", None),
        ("/t/num/4.5", 4.5),
        ("/t/num/3", 3.0),
        ("/t/num/x", None),
        ("/t/bool/true", True),
        ("/t/bool/FALSE", False),
        ("/t/bool/yes", None),
        ("/t/str/abc", "abc"),
        ("/t/str/42", "42"),
        ("/t/str/a b%", "a b%"),
    ],
)
def test_typed_params(path, value):
    match = TYPED.lookup("GET", path)
    if value is None:
        # A value that does not convert means the template does not match: 404, not 405.
        assert match.kind is Match.NONE
        assert match.route is None
        return
    assert match.kind is Match.FULL
    assert match.params == {"v": value}
    assert type(match.params["v"]) is type(value)


def test_path_only_lists_allowed_methods_in_registration_order():
    routes = table(
        ("POST", JOB, None),
        ("GET", JOB, None),
        ("DELETE", JOB, None),
        ("GET", "/slurm/v0.0.38/ping", None),
    )
    match = routes.lookup("PUT", "/slurm/v0.0.38/job/12")
    assert match.kind is Match.PATH_ONLY
    assert match.allowed == ("POST", "GET", "DELETE")
    assert match.route is None


def test_path_only_ignores_templates_whose_params_do_not_convert():
    routes = table(("GET", "/a/b/{n}", {"n": "integer"}), ("POST", "/a/b/{s}", {"s": "string"}))
    assert routes.lookup("DELETE", "/a/b/x").allowed == ("POST",)
    assert routes.lookup("POST", "/a/b/x").kind is Match.FULL
    # "1" matches the first template, which decides: it has no POST.
    assert routes.lookup("DELETE", "/a/b/1").allowed == ("GET",)
    assert routes.lookup("POST", "/a/b/1").kind is Match.PATH_ONLY


def test_first_matching_template_decides_whatever_the_method():
    # 22.05.8: GET /slurm/v0.0.38/job/submit is a 405, although GET /job/{job_id} exists
    # and a string job_id would match "submit" (capture ..._job_submit__err_wrong_method).
    routes = table(
        ("POST", "/slurm/v0.0.38/job/submit", None),
        ("GET", JOB, None),
        ("POST", JOB, None),
        ("DELETE", JOB, None),
    )
    match = routes.lookup("GET", "/slurm/v0.0.38/job/submit")
    assert match.kind is Match.PATH_ONLY
    assert match.allowed == ("POST",)
    assert routes.lookup("DELETE", "/slurm/v0.0.38/job/submit").allowed == ("POST",)
    match = routes.lookup("GET", "/slurm/v0.0.38/job/7")
    assert match.kind is Match.FULL
    assert match.route is not None and match.route.target == f"GET {JOB}"


def test_none_for_unknown_path():
    match = table(("GET", JOB, None)).lookup("GET", "/slurm/v0.0.38/nosuch/1/2")
    assert (match.kind, match.route, match.params, match.allowed) == (Match.NONE, None, None, ())


def test_method_must_match_exactly():
    assert table(("GET", JOB, None)).lookup("get", "/slurm/v0.0.38/job/1").kind is Match.PATH_ONLY


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        # Same bucket: literal registered first wins, then the param one.
        (
            [("GET", "/slurm/v0.0.38/job/submit", None), ("GET", JOB, None)],
            "GET /slurm/v0.0.38/job/submit",
        ),
        (
            [("GET", JOB, None), ("GET", "/slurm/v0.0.38/job/submit", None)],
            f"GET {JOB}",
        ),
        # A template starting with a parameter, registered first, still wins over
        # a later literal one.
        (
            [("GET", "/{a}/v0.0.38/job/submit", None), ("GET", "/slurm/v0.0.38/job/submit", None)],
            "GET /{a}/v0.0.38/job/submit",
        ),
        (
            [("GET", "/slurm/v0.0.38/job/submit", None), ("GET", "/{a}/v0.0.38/job/submit", None)],
            "GET /slurm/v0.0.38/job/submit",
        ),
        (
            [("GET", "/slurm/{v}/job/submit", None), ("GET", "/slurm/v0.0.38/job/submit", None)],
            "GET /slurm/{v}/job/submit",
        ),
    ],
)
def test_first_registered_wins(routes, expected):
    match = table(*routes).lookup("GET", "/slurm/v0.0.38/job/submit")
    assert match.kind is Match.FULL
    assert match.route is not None
    assert match.route.target == expected


def test_first_registered_wins_for_short_paths():
    routes = table(("GET", "/{a}", None), ("GET", "/x", None))
    match = routes.lookup("GET", "/x")
    assert match.route is not None and match.route.target == "GET /{a}"


# --- the real operation table ------------------------------------------------------------

SAMPLES = {"string": "sample_1", "integer": "42", "number": "4.5", "boolean": "true"}
CONVERTED = {"string": "sample_1", "integer": 42, "number": 4.5, "boolean": True}
OPERATIONS = openapi.operations(plugins.resolve(None, None))


@pytest.fixture(scope="module")
def real_table() -> RouteTable[openapi.OperationSpec]:
    return RouteTable(compile_route(op.method, op.path, op, op.path_params) for op in OPERATIONS)


def concrete(template: str, types: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES[types[m.group(1)]], template)


def test_every_unit_has_operations():
    units = {op.unit for op in OPERATIONS}
    assert units == set(plugins.resolve(None, None))
    assert len(OPERATIONS) > 400


@pytest.mark.parametrize("slash", ["", "/"], ids=["bare", "trailing_slash"])
def test_every_operation_resolves_to_itself(real_table, slash):
    failures = []
    for op in OPERATIONS:
        types = dict(op.path_params)
        assert set(re.findall(r"\{(\w+)\}", op.path)) == set(types), op.path
        path = concrete(op.path, types).rstrip("/") + slash
        match = real_table.lookup(op.method, path)
        if match.kind is not Match.FULL or match.route is None:
            failures.append(f"{op.method} {path}: {match.kind}")
            continue
        got = match.route.target
        if (got.method, got.path, got.unit) != (op.method, op.path, op.unit):
            failures.append(f"{op.method} {path}: routed to {got.method} {got.path}")
            continue
        expected = {name: CONVERTED[kind] for name, kind in types.items()}
        if match.params != expected:
            failures.append(f"{op.method} {path}: params {match.params} != {expected}")
    assert not failures, "\n".join(failures[:20])


def test_real_table_wrong_method_lists_the_allowed_ones(real_table):
    match = real_table.lookup("PUT", "/slurm/v0.0.38/job/12")
    assert match.kind is Match.PATH_ONLY
    assert set(match.allowed) == {"GET", "POST", "DELETE"}
    assert real_table.lookup("GET", "/slurm/v0.0.99/ping").kind is Match.NONE


def test_real_table_literal_before_param(real_table):
    match = real_table.lookup("POST", "/slurm/v0.0.38/job/submit")
    assert match.route is not None
    assert match.route.target.path == "/slurm/v0.0.38/job/submit"


@pytest.mark.parametrize("version", ["v0.0.38", "v0.0.40", "v0.0.46"])
def test_real_table_get_job_submit_is_405(real_table, version):
    match = real_table.lookup("GET", f"/slurm/{version}/job/submit")
    assert match.kind is Match.PATH_ONLY
    assert match.allowed == ("POST",)
