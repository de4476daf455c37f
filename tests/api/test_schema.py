"""Lenient request checking against a version's schemas (slurmrestd.api.schema)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema_check import schema_errors
from slurmrestd.api import schema
from slurmrestd.api.schema import CheckResult, FieldProblem, ProblemKind

V46, JOB46, SUBMIT46 = "v0.0.46", "v0.0.46_job_desc_msg", "v0.0.46_job_submit_req"
V38, JOB38 = "v0.0.38", "v0.0.38_job_properties"


def texts(problems: list[FieldProblem]) -> list[str]:
    return [str(p) for p in problems]


def test_valid_value_passes_unchanged_without_findings():
    body = {"name": "a", "hold": True, "tasks": 4, "environment": ["A=1"], "mail_type": ["END"]}
    result = schema.check(V46, JOB46, body)
    assert result == CheckResult(body, [], [])
    assert result.ok


def test_unknown_field_names_the_full_path():
    result = schema.check(V46, SUBMIT46, {"script": "s", "job": {"no_such_field": 1}})
    assert result.errors == [
        FieldProblem("job/no_such_field", "unknown field", ProblemKind.UNKNOWN_FIELD)
    ]
    assert result.value == {"script": "s", "job": {}}


def test_wrong_type_names_path_and_expected_type():
    result = schema.check(V46, SUBMIT46, {"job": {"cpus_per_task": {"a": 1}, "hold": [1, 2]}})
    assert texts(result.errors) == [
        "job/cpus_per_task: expected integer, got object",
        "job/hold: expected boolean, got array",
    ]
    assert {p.kind for p in result.errors} == {ProblemKind.WRONG_TYPE}


def test_all_errors_are_collected_not_just_the_first():
    result = schema.check(V46, JOB46, {"tasks": "x", "bogus": 1, "nice": [], "name": {}})
    assert [p.path for p in result.errors] == ["tasks", "bogus", "nice", "name"]


CONVERSIONS = [
    # (field, given, converted, warning)
    ("tasks", "60", 60, 'tasks: converted string "60" to integer'),
    ("tasks", " 7 ", 7, 'tasks: converted string " 7 " to integer'),
    ("tasks", 4.0, 4, "tasks: converted number 4.0 to integer"),
    ("name", 12, "12", "name: converted integer 12 to string"),
    ("name", 1.5, "1.5", "name: converted number 1.5 to string"),
    ("name", True, "true", "name: converted boolean true to string"),
    ("hold", "true", True, 'hold: converted string "true" to boolean'),
    ("hold", "No", False, 'hold: converted string "No" to boolean'),
    ("hold", 1, True, "hold: converted integer 1 to boolean"),
    ("argv", "one", ["one"], 'argv: converted single string "one" to array'),
    ("mail_type", "begin", ["BEGIN"], 'mail_type/0: converted "begin" to "BEGIN"'),
    (
        "required_nodes",
        "n1,n2",
        ["n1", "n2"],
        "required_nodes: converted comma-separated string to array",
    ),
]


@pytest.mark.parametrize(("field", "given", "converted", "warning"), CONVERSIONS)
def test_convertible_values_are_converted_with_a_warning(field, given, converted, warning):
    result = schema.check(V46, JOB46, {field: given})
    assert result.ok, result.errors
    assert result.value == {field: converted}
    assert warning in texts(result.warnings)
    assert all(p.kind is ProblemKind.CONVERTED for p in result.warnings)


def test_number_field_takes_numeric_strings():
    # v0.0.46_float64_no_val_struct.number is a plain "number"
    node = {"number": "2.5", "set": True}
    result = schema.check(V46, "v0.0.46_float64_no_val_struct", node)
    assert result.value == {"number": 2.5, "set": True}
    assert texts(result.warnings) == ['number: converted string "2.5" to number']


def test_argv_and_environment_strings_are_never_split_on_commas():
    result = schema.check(V46, JOB46, {"argv": "a,b", "environment": "X=1,2"})
    assert result.value == {"argv": ["a,b"], "environment": ["X=1,2"]}


def test_flag_arrays_take_comma_separated_text_and_check_every_item():
    result = schema.check(V46, JOB46, {"mail_type": "BEGIN,end,SOMETIMES"})
    assert result.value == {"mail_type": ["BEGIN", "END"]}
    (error,) = result.errors
    assert error.path == "mail_type/2" and error.kind is ProblemKind.INVALID_VALUE
    assert error.message.startswith('invalid value string "SOMETIMES"; expected one of BEGIN, END')


def test_a_single_flag_becomes_a_one_item_array():
    result = schema.check(V46, JOB46, {"mail_type": "end"})
    assert result.value == {"mail_type": ["END"]}
    assert texts(result.warnings) == [
        'mail_type: converted single string "end" to array',
        'mail_type/0: converted "end" to "END"',
    ]


def test_long_enums_are_shortened_in_messages():
    (error,) = schema.check(V46, JOB46, {"flags": ["NOPE"]}).errors
    assert error.message.endswith(", ...")


NO_VAL_CASES = [
    (30, {"set": True, "infinite": False, "number": 30}, []),
    (
        "30",
        {"set": True, "infinite": False, "number": 30},
        ['time_limit: converted string "30" to integer'],
    ),
    (
        "UNLIMITED",
        {"set": False, "infinite": True, "number": 0},
        ['time_limit: converted string "UNLIMITED" to infinite'],
    ),
    ({"infinite": True}, {"infinite": True}, []),
]


@pytest.mark.parametrize(("given", "converted", "warnings"), NO_VAL_CASES)
def test_no_val_structs_accept_plain_numbers_and_infinite(given, converted, warnings):
    result = schema.check(V46, JOB46, {"time_limit": given})
    assert result.ok
    assert result.value == {"time_limit": converted}
    assert texts(result.warnings) == warnings


@pytest.mark.parametrize("given", [True, [30], "soon", {"number": "x"}, {"bogus": 1}])
def test_no_val_structs_refuse_other_values(given):
    assert not schema.check(V46, JOB46, {"time_limit": given}).ok


def test_integer_format_ranges_are_enforced():
    (error,) = schema.check(V46, JOB46, {"tasks": 2**31}).errors
    assert str(error) == "tasks: 2147483648 is out of range for int32"
    assert schema.check(V46, JOB46, {"deadline": 2**40}).ok  # int64


def test_null_fields_are_treated_as_absent():
    result = schema.check(V46, JOB46, {"name": None, "tasks": 2})
    assert result.value == {"tasks": 2}
    assert texts(result.warnings) == ["name: ignored null value"]


def test_field_names_match_case_insensitively_with_a_warning():
    result = schema.check(V46, JOB46, {"Time_Limit": 5})
    assert result.value == {"time_limit": {"set": True, "infinite": False, "number": 5}}
    assert texts(result.warnings) == ['Time_Limit: converted field name to "time_limit"']


def test_required_fields_are_reported_once():
    assert texts(schema.check(V38, JOB38, {"name": "x"}).errors) == [
        "environment: required field missing"
    ]
    # present but invalid: only the type problem
    assert texts(schema.check(V38, JOB38, {"environment": 5}).errors) == [
        "environment: expected object, got integer 5"
    ]
    assert schema.check(V38, JOB38, {"environment": {"A": {"any": ["thing"]}}}).ok


def test_array_bounds_are_checked():
    # v0.0.38 nodes: 1 or 2 integers
    assert texts(schema.check(V38, JOB38, {"environment": {}, "nodes": [1, 2, 3]}).errors) == [
        "nodes: expected at most 2 items"
    ]
    assert texts(schema.check(V38, JOB38, {"environment": {}, "nodes": []}).errors) == [
        "nodes: expected at least 1 items"
    ]


def test_het_job_paths_carry_the_index():
    result = schema.check(V46, SUBMIT46, {"jobs": [{"name": "a"}, {"tasks": "many"}]})
    assert texts(result.errors) == ['jobs/1/tasks: expected integer, got string "many"']


def test_root_prefixes_every_path_and_non_objects_are_refused():
    assert texts(schema.check(V46, JOB46, {"x": 1}, root="job").errors) == ["job/x: unknown field"]
    result = schema.check(V46, JOB46, "job")
    assert result.value is None
    assert result.errors == [
        FieldProblem("", 'expected object, got string "job"', ProblemKind.EXPECTED_OBJECT)
    ]
    assert str(result.errors[0]) == 'expected object, got string "job"'


def test_deep_nesting_ends_where_the_schema_ends():
    # no bundled schema is recursive, so the walk is bounded by the schema's depth,
    # however deep the value: no RecursionError
    value: list = []
    for _ in range(5000):
        value = [value]
    result = schema.check(V46, JOB46, {"argv": value, "environment": [value]})
    assert texts(result.errors) == [
        "argv/0: expected string, got array",
        "environment/0: expected string, got array",
    ]


def test_unknown_version_or_schema_is_a_programming_error():
    with pytest.raises(schema.UnknownSchema):
        schema.check("v9.9.9", JOB46, {})
    with pytest.raises(schema.UnknownSchema):
        schema.check(V46, "v0.0.46_no_such_schema", {})
    with pytest.raises(schema.UnknownSchema):
        schema.check("../v0.0.46", JOB46, {})


def test_every_schema_of_every_version_compiles_and_checks_an_empty_object():
    for version in ("v0.0.38", "dbv0.0.38", "v0.0.40", "v0.0.44", "v0.0.46"):
        for name in schema.schema_names(version):
            result = schema.check(version, name, {})
            assert all(isinstance(p, FieldProblem) for p in result.errors)


# --- properties: any JSON in, only documented results out ---------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


scalars = st.none() | st.booleans() | st.integers(-5, 2**33) | st.text(max_size=6)
plausible = (
    scalars
    | st.sampled_from(["1", "true", "INFINITE", "a,b", "BEGIN", "none", "A=1"])
    | st.lists(scalars | st.sampled_from(["END", "user", "A=1"]), max_size=3)
    | json_values
)


def job_like(version: str, name: str, base: dict | None = None) -> st.SearchStrategy[dict]:
    """Objects made of the schema's own field names with plausible or arbitrary values."""
    spec = json.loads((schema.SPECS_DIR / f"{version}.json").read_text())
    fields = sorted(spec["components"]["schemas"][name]["properties"])
    drawn = st.dictionaries(st.sampled_from(fields), plausible, max_size=5)
    return drawn.map(lambda d: {**(base or {}), **d})


# pattern is documentation in upstream's v0.0.38 schema ("(B:|)sig_num(@sig_time|)"),
# so the checker does not enforce it: a jsonschema pattern complaint is expected there
KNOWN_DEVIATIONS = {(V38, "signal")}


def assert_documented_result(version: str, name: str, value: object) -> None:
    result = schema.check(version, name, value)
    assert isinstance(result, CheckResult)
    for problem in [*result.errors, *result.warnings]:
        assert isinstance(problem, FieldProblem) and isinstance(problem.kind, ProblemKind)
    assert all(p.kind is ProblemKind.CONVERTED for p in result.warnings)
    assert all(p.kind is not ProblemKind.CONVERTED for p in result.errors)
    if result.ok:
        violations = [
            v
            for v in schema_errors(version, name, result.value)
            if (version, v.split(":", 1)[0]) not in KNOWN_DEVIATIONS
        ]
        assert violations == [], (value, result.value)


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(json_values)
def test_any_json_value_gives_a_documented_result_v0_0_46(value):
    assert_documented_result(V46, JOB46, value)


@FAST
@given(job_like(V46, JOB46))
def test_job_like_objects_are_accepted_only_in_schema_shape_v0_0_46(value):
    assert_documented_result(V46, JOB46, value)


@FAST
@given(json_values)
def test_any_json_value_gives_a_documented_result_v0_0_38(value):
    assert_documented_result(V38, JOB38, value)


@FAST
@given(job_like(V38, JOB38, base={"environment": {"PATH": "/bin"}}))
def test_job_like_objects_are_accepted_only_in_schema_shape_v0_0_38(value):
    assert_documented_result(V38, JOB38, value)
