"""v0.0.46 job submit/update bodies -> JobDescription (api.versions.v0_0_46.job_desc)."""

from __future__ import annotations

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.status import GENERATION_2311
from slurmrestd.api.versions.request import RequestInvalid
from slurmrestd.api.versions.v0_0_46 import job_desc
from slurmrestd.api.versions.v0_0_46.job_desc import parse_submit, parse_update

SUBMIT = "slurm_v0046_post_job_submit"
UPDATE = "slurm_v0046_post_job"
SCRIPT = "#!/bin/bash\nsrun hostname\n"


def refused(parse, body) -> RequestInvalid:
    with pytest.raises(RequestInvalid) as caught:
        parse(body)
    return caught.value


def test_a_realistic_submission():
    body = {
        "script": SCRIPT,
        "job": {
            "name": "analysis",
            "partition": "debug",
            "account": "research",
            "environment": ["PATH=/bin:/usr/bin", "OPTS=a=b", "EMPTY="],
            "current_working_directory": "/home/alice",
            "standard_output": "/home/alice/%j.out",
            "time_limit": 90,
            "hold": True,
            "array": "0-9%2",
            "dependency": "afterok:41",
            "nodes": "1-2",
            "tasks": 4,
            "cpus_per_task": 2,
            "memory_per_node": {"set": True, "infinite": False, "number": 4096},
            "mail_type": ["BEGIN", "TIME=90%", "INVALID_DEPENDENCY"],
            "mail_user": "alice@example.org",
            "requeue": False,
            "open_mode": ["APPEND"],
            "required_nodes": ["node1", "node2"],
        },
    }
    parsed = parse_submit(body)
    assert parsed.script == SCRIPT and parsed.warnings == []
    (desc,) = parsed.descriptions
    assert desc.given() == {
        "script": SCRIPT,
        "name": "analysis",
        "partition": "debug",
        "account": "research",
        "environment": {"PATH": "/bin:/usr/bin", "OPTS": "a=b", "EMPTY": ""},
        "current_working_directory": "/home/alice",
        "standard_output": "/home/alice/%j.out",
        "time_limit": 90,
        "hold": True,
        "array": "0-9%2",
        "dependency": "afterok:41",
        "minimum_nodes": 1,
        "maximum_nodes": 2,
        "tasks": 4,
        "cpus_per_task": 2,
        "memory_per_node": 4096,
        "mail_type": ["BEGIN", "TIME_LIMIT_90", "INVALID_DEPEND"],
        "mail_user": "alice@example.org",
        "requeue": False,
        "open_mode": "append",
        "required_nodes": "node1,node2",
    }


@pytest.mark.parametrize(
    ("given", "minutes"),
    [
        (30, 30),
        ({"set": True, "infinite": False, "number": 30}, 30),
        ({"number": 30}, 30),  # "set" left out: the number still counts
        ({"set": False, "infinite": True, "number": 0}, INFINITE),
        ({"set": False, "number": 30}, None),
        ("unlimited", INFINITE),
    ],
)
def test_time_limit_as_number_or_no_val_struct(given, minutes):
    body = {"script": SCRIPT, "job": {"time_limit": given}}
    assert parse_submit(body).descriptions[0].time_limit == minutes


def test_the_script_may_come_with_the_job_and_the_top_level_wins():
    assert parse_submit({"job": {"script": "inner"}}).script == "inner"
    parsed = parse_submit({"script": "outer", "job": {"script": "inner"}})
    assert parsed.script == parsed.descriptions[0].script == "outer"


def test_het_jobs_give_one_description_each_and_the_script_to_the_first():
    parsed = parse_submit({"script": SCRIPT, "jobs": [{"tasks": 1}, {"tasks": 2}]})
    first, second = parsed.descriptions
    assert (first.script, first.tasks, second.script, second.tasks) == (SCRIPT, 1, None, 2)


def test_conversions_are_warnings_in_the_uniform_shape():
    parsed = parse_submit({"script": SCRIPT, "job": {"tasks": "4", "hold": "true"}})
    assert parsed.descriptions[0].tasks == 4 and parsed.descriptions[0].hold is True
    assert parsed.warnings == [
        {"description": 'job/tasks: converted string "4" to integer', "source": SUBMIT},
        {"description": 'job/hold: converted string "true" to boolean', "source": SUBMIT},
    ]


def test_unknown_field_is_an_error_naming_it():
    exc = refused(parse_submit, {"script": SCRIPT, "job": {"no_such_field": 1}})
    assert exc.entries == [
        {
            "description": "job/no_such_field: unknown field",
            "error_number": 9200,
            "error": "Unable to resolve path",
            "source": SUBMIT,
        }
    ]
    assert exc.status(GENERATION_2311) == 400


def test_wrong_types_are_errors_naming_field_and_type_all_of_them():
    body = {"script": SCRIPT, "job": {"time_limit": "soon", "tasks": "4", "hold": []}}
    exc = refused(parse_submit, body)
    assert [e["description"] for e in exc.entries] == [
        'job/time_limit: expected integer, got string "soon"',
        "job/hold: expected boolean, got array",
    ]
    assert {e["error_number"] for e in exc.entries} == {9202}
    assert exc.entries[0]["error"] == "Unable to convert Data type"
    assert exc.errno == 9202 and exc.status(GENERATION_2311) == 400
    # what was converted before the failure is still reported
    assert exc.warnings == [
        {"description": 'job/tasks: converted string "4" to integer', "source": SUBMIT}
    ]


@pytest.mark.parametrize(
    ("job", "description"),
    [
        ({"environment": ["PATH"]}, 'job/environment/0: expected NAME=value, got "PATH"'),
        ({"environment": ["A=1", "=x"]}, 'job/environment/1: expected NAME=value, got "=x"'),
        ({"nodes": "lots"}, 'job/nodes: invalid node count "lots"; expected N or MIN-MAX'),
    ],
)
def test_values_of_the_right_type_that_make_no_sense(job, description):
    exc = refused(parse_submit, {"script": SCRIPT, "job": job})
    assert [e["description"] for e in exc.entries] == [description]
    assert exc.status(GENERATION_2311) == 400


@pytest.mark.parametrize(
    ("body", "errno", "status"),
    [
        (None, 9212, 400),  # no body at all
        ("job", 9209, 400),  # not an object
        ({}, 9002, 400),
        ({"script": SCRIPT}, 9002, 400),
        ({"script": SCRIPT, "jobs": []}, 9002, 400),
        ({"script": SCRIPT, "job": {}, "jobs": [{}]}, 9002, 400),
        ({"job": {"name": "x"}}, 2009, 422),  # no script anywhere
    ],
)
def test_bodies_without_a_job_or_script_are_client_errors(body, errno, status):
    exc = refused(parse_submit, body)
    assert exc.errno == errno and exc.status(GENERATION_2311) == status
    (entry,) = exc.entries
    assert list(entry) == ["description", "error_number", "error", "source"]
    assert entry["error_number"] == errno and entry["source"] == SUBMIT
    assert entry["description"]


def test_fields_map_to_canonical_names_or_extra():
    job = {
        "kill_warning_signal": "USR1",
        "kill_warning_delay": {"set": True, "number": 120},
        "kill_warning_flags": ["BATCH_JOB"],
        "shared": ["user"],
        "flags": ["SPREAD_JOB", "KILL_INVALID_DEPENDENCY"],
        "user_id": "1000",
        "group_id": "staff",
        "distribution_plane_size": 4,
        "excluded_nodes": "n1,n2",
        "priority": {"infinite": True},
        "extra": "site-tag",
    }
    desc = parse_submit({"script": SCRIPT, "job": job}).descriptions[0]
    assert desc.signal == "B:USR1@120"
    assert (desc.exclusive, desc.user_id, desc.excluded_nodes) == (True, 1000, "n1,n2")
    assert desc.priority == INFINITE
    assert desc.extra == {
        "kill_warning_flags": ["BATCH_JOB"],
        "shared": "user",
        "spread_job": True,
        "kill_on_invalid_dependency": True,
        "flags": ["SPREAD_JOB", "KILL_INVALID_DEPENDENCY"],
        "group_name": "staff",
        "distribution_plane_size": 4,
        "extra": "site-tag",
    }


@pytest.mark.parametrize(
    ("shared", "exclusive", "extra"),
    [(["none"], True, {}), (["oversubscribe"], False, {"shared": "oversubscribe"}), ([], None, {})],
)
def test_shared_flags(shared, exclusive, extra):
    desc = parse_submit({"script": SCRIPT, "job": {"shared": shared}}).descriptions[0]
    assert (desc.exclusive, desc.extra) == (exclusive, extra)


def test_a_warning_delay_without_signal_is_kept_as_a_canonical_number():
    desc = parse_submit({"script": SCRIPT, "job": {"kill_warning_delay": 30}}).descriptions[0]
    assert desc.signal is None
    assert desc.extra == {"kill_warning_delay": 30}


def test_update_sets_only_given_fields_and_reports_warnings():
    parsed = parse_update({"time_limit": "20", "comment": "later", "name": None})
    assert parsed.description.given() == {"time_limit": 20, "comment": "later"}
    assert parsed.warnings == [
        {"description": 'time_limit: converted string "20" to integer', "source": UPDATE},
        {"description": "name: ignored null value", "source": UPDATE},
    ]


def test_update_refuses_empty_bodies_and_bad_fields():
    exc = refused(parse_update, None)
    assert exc.errno == 9212 and exc.entries[0]["error"] == "Request to parse empty string rejected"
    exc = refused(parse_update, {"no_such": 1, "environment": ["X"]})
    assert [e["description"] for e in exc.entries] == ["no_such: unknown field"]
    exc = refused(parse_update, {"environment": ["X"]})
    assert exc.entries[0]["description"] == 'environment/0: expected NAME=value, got "X"'
    assert exc.entries[0]["source"] == UPDATE


def test_no_val_number():
    assert job_desc.no_val_number({"set": True, "number": 5}) == 5
    assert job_desc.no_val_number({"infinite": True, "number": 5}) == INFINITE
    assert job_desc.no_val_number({"set": False, "number": 5}) is None
    assert job_desc.no_val_number({}) is None
