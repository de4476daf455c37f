"""v0.0.38 job submit/update bodies as 22.05 parsed them (api.versions.v0_0_38.job_desc).

The error objects are compared byte for byte with the real 22.05.8 answers in
reference/slurm-22.05/responses (their key order is part of the wire).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.api.status import GENERATION_2205
from slurmrestd.api.versions import request
from slurmrestd.api.versions.request import RequestInvalid
from slurmrestd.api.versions.v0_0_38 import job_desc
from slurmrestd.api.versions.v0_0_38.job_desc import parse_submit, parse_update

SCHEMAS = Path(job_desc.__file__).resolve().parents[2] / "specs" / "v0.0.38.json"
ENV = {"PATH": "/bin"}
FAILED_PARSING = {"error_code": 9001, "error": "Failure during parsing"}


def wire(entries: list[dict]) -> str:
    return json.dumps(entries)  # keeps key order: the comparison is byte for byte


def submit_error(job: object, **top: object) -> RequestInvalid:
    with pytest.raises(RequestInvalid) as caught:
        parse_submit({"script": "#!/bin/sh\n", "job": job, **top})
    return caught.value


# --- every captured request ----------------------------------------------------


def captured_job_posts(reference: Path) -> list[dict]:
    index = json.loads((reference / "slurm-22.05" / "index.json").read_text())
    return [
        e
        for e in index
        if e["method"] == "POST"
        and e["path"].startswith("/slurm/v0.0.38/job")
        and e["body_kind"] == "json"
    ]


def load_body(reference: Path, name: str) -> object:
    raw = (reference / "slurm-22.05" / name).read_text()
    return json.loads(raw) if raw.strip() else None  # an empty file is an empty body


def test_every_captured_error_is_reproduced_exactly(shared_reference):
    errors = [
        e for e in captured_job_posts(shared_reference) if e["status"] == 400 or "err_" in e["file"]
    ]
    checked = 0
    for entry in errors:
        body = load_body(shared_reference, entry["request_body"])
        expected = json.loads((shared_reference / "slurm-22.05" / entry["file"]).read_text())
        parse = parse_submit if entry["path"].endswith("/submit") else parse_update
        try:
            parse(body)
        except RequestInvalid as exc:
            assert wire(exc.entries) == wire(expected["errors"]), entry["file"]
            assert exc.status(GENERATION_2205) == entry["status"], entry["file"]
            checked += 1
        else:
            # the parse is fine; the backend refused it (bad partition, other user's job)
            assert entry["status"] == 500 and expected["errors"][0].get("error_code", 0) != 9001
    assert checked == 6  # empty body, no script, no job, no environment, unknown key, bad type


def test_captured_submissions_parse(shared_reference):
    ok = load_body(shared_reference, "requests/submit_ok.json")
    parsed = parse_submit(ok)
    assert parsed.script == "#!/bin/bash\necho hello from rest\nsleep 600\n"
    (desc,) = parsed.descriptions
    assert desc.given() == {
        "script": parsed.script,
        "name": "rest-submit",
        "partition": "debug",
        "time_limit": 30,
        "current_working_directory": "/tmp",
        "standard_output": "/dev/null",
        "environment": {"PATH": "/bin:/usr/bin", "LANG": "C"},
    }
    assert parsed.warnings == []

    held = parse_submit(load_body(shared_reference, "requests/submit_hold_array.json"))
    (desc,) = held.descriptions
    assert (desc.name, desc.partition, desc.array, desc.hold) == (
        "rest-array-held",
        "batch",
        "0-4%2",
        True,
    )
    assert (desc.minimum_nodes, desc.maximum_nodes, desc.tasks, desc.cpus_per_task) == (1, 1, 1, 1)
    assert (desc.memory_per_node, desc.comment) == (100, "from capture-reference")

    partition = parse_submit(load_body(shared_reference, "requests/submit_bad_partition.json"))
    assert partition.descriptions[0].partition == "nosuch"  # refused later, by the controller


def test_captured_update_parses(shared_reference):
    parsed = parse_update(load_body(shared_reference, "requests/update_ok.json"))
    assert parsed.description.given() == {"comment": "updated via REST", "time_limit": 20}


# --- keys ------------------------------------------------------------------------


def test_keys_are_case_insensitive_and_aliases_map_to_one_field():
    parsed = parse_submit(
        {
            "script": "s",
            "job": {
                "Environment": ENV,
                "JOB_NAME": "a",
                "ntasks": 3,
                "cwd": "/w",
                "constraint": "fast",
                "license": "lic:1",
                "nodelist": "n[1-2]",
                "exclude_nodes": "n3",
            },
        }
    )
    desc = parsed.descriptions[0]
    assert (desc.name, desc.tasks, desc.current_working_directory) == ("a", 3, "/w")
    assert (desc.constraints, desc.licenses) == ("fast", "lic:1")
    assert (desc.required_nodes, desc.excluded_nodes) == ("n[1-2]", "n3")


def test_unknown_key_is_reported_lower_cased():
    exc = submit_error({"environment": ENV, "No_Such": 1})
    assert wire(exc.entries) == wire(
        [{"description": 'Unknown key "no_such"', "source": "hsearch_r"}, FAILED_PARSING]
    )


def test_disabled_keys_are_refused():
    exc = submit_error({"environment": ENV, "user_id": 0})
    assert wire(exc.entries) == wire(
        [
            {
                "description": 'Disabled key: "user_id"',
                "error_number": 1,
                "error": "Operation not permitted",
                "source": "openapi specification",
            },
            FAILED_PARSING,
        ]
    )
    assert exc.status(GENERATION_2205) == 400


def test_the_first_failing_key_ends_the_parse():
    exc = submit_error({"no_such": 1, "time_limit": "soon", "environment": 5})
    assert exc.entries[0] == {"description": 'Unknown key "no_such"', "source": "hsearch_r"}
    assert len(exc.entries) == 2


def test_schema_fields_are_all_known_keys():
    schema = json.loads(SCHEMAS.read_text())["components"]["schemas"]["v0.0.38_job_properties"]
    # 22.05 lists these in its schema but refuses them in its key table
    refused_by_22_05 = {"cpu_binding", "oversubscribe"}
    assert {k for k in schema["properties"] if k not in job_desc.OPTIONS} == refused_by_22_05
    assert refused_by_22_05 <= job_desc.DISABLED_KEYS
    assert not set(job_desc.OPTIONS) & job_desc.DISABLED_KEYS


# --- option errors ---------------------------------------------------------------------

CONV, ERR = 9202, -1  # "Unable to convert Data type", "Unspecified error"
ERROR_TEXT = {
    ERR: "Unspecified error",
    CONV: "Unable to convert Data type",
    2054: "Invalid time specified",
}


def own(text: str, rc: int = ERR) -> dict:
    return {"error": text, "error_code": rc}


def processed(key: str, rc: int) -> dict:
    return {
        "description": f'Unable to process key "{key}"',
        "error_number": rc,
        "error": ERROR_TEXT[rc],
        "source": "slurm_process_option_data",
    }


# key, value, the option's own entries (text, rc), rc of its "Unable to process key" entry
OPTION_ERRORS = [
    ("time_limit", "soon", [("Invalid time specification", ERR)], ERR),
    ("time_limit", {}, [("Unable to read string", CONV)], ERR),
    ("cpus_per_task", 0, [("cpus per task much be greater than 0", ERR)], ERR),
    ("tasks", "x", [("Unable to read integer value", CONV)], ERR),
    ("tasks", 0, [("ntasks too small", ERR)], ERR),
    ("cores_per_socket", 2**31, [("Integer too large", ERR)], ERR),
    ("nodes", [1], [("Invalid node count list size", ERR)], ERR),
    (
        "nodes",
        [1, "x"],
        [("Invalid node count", CONV), ("Invalid node count specification", ERR)],
        ERR,
    ),
    ("nodes", "lots", [("Invalid node count string", ERR)], ERR),
    ("memory_per_node", "lots", [("Invalid memory specification", ERR)], ERR),
    ("memory_per_cpu", [], [("Invalid --mem-per-cpu specification string", CONV)], ERR),
    ("memory_per_cpu", "1X", [("Invalid --mem-per-cpu specification", ERR)], ERR),
    ("environment", "PATH=/bin", [("environment must be a dictionary", ERR)], ERR),
    ("environment", {"A": {}}, [("failure parsing environment", ERR)], ERR),
    ("exclusive", "maybe", [("Invalid exclusive specification", ERR)], ERR),
    ("open_mode", "x", [("Invalid open mode specification", ERR)], ERR),
    ("signal", "NOSIG@10", [("Invalid SIGNAL specification", ERR)], ERR),
    ("mail_type", "SOMETIMES", [("Invalid mail type specification", ERR)], ERR),
    ("priority", 0, [("Priority must be >0", ERR)], ERR),
    ("priority", "high", [("Invalid priority", ERR)], ERR),
    ("priority", 2**32, [("Priority too large", ERR)], ERR),
    ("nice", 2**31, [("Nice too large", ERR)], ERR),
    ("begin_time", "whenever", [("Unable to parse time", 2054)], ERR),
    ("begin_time", 1900000000, [("Unable to parse time", 2054)], ERR),  # month 19
    ("begin_time", 1232, [("Unable to parse time", 2054)], ERR),  # December 32nd
    ("deadline", "whenever", [("Invalid deadline time", ERR)], ERR),
    ("gres", "help", [('GRES "help" not supported', ERR)], ERR),
    ("gres_flags", "sometimes", [("Invalid GRES flags", ERR)], ERR),
    ("no_kill", "maybe", [("Invalid no kill specification", ERR)], ERR),
    ("thread_specification", 0, [("core_spec must be >0", ERR)], ERR),
    ("umask", "999", [("Invalid octal umask", ERR)], ERR),
    ("delay_boot", "later", [("Invalid delay boot specification", ERR)], ERR),
    # plain string and boolean options fail without an entry of their own
    ("account", ["a"], [], ERR),
    ("hold", {}, [], ERR),
    ("hold", [True], [], ERR),
    ("kill_on_invalid_dependency", {}, [("Unable to read boolean", CONV)], ERR),
    # an integer option of 0 or 1 (22.05.8, compared live), not a boolean
    ("wait_all_nodes", True, [("Unable to read integer value", CONV)], ERR),
    ("wait_all_nodes", "yes", [("Unable to read integer value", CONV)], ERR),
    ("wait_all_nodes", " 1", [("Unable to read integer value", CONV)], ERR),
    ("wait_all_nodes", "1.0", [("Unable to read integer value", CONV)], ERR),
    ("wait_all_nodes", None, [("Unable to read integer value", CONV)], ERR),
    ("wait_all_nodes", 2, [("Wait all nodes too large", ERR)], ERR),
    ("wait_all_nodes", 1.5, [("Wait all nodes too large", ERR)], ERR),  # rounded: 2
    ("wait_all_nodes", -0.6, [("Wait all nodes too small", ERR)], ERR),
]


@pytest.mark.parametrize(("key", "value", "own_entries", "rc"), OPTION_ERRORS)
def test_option_errors_are_written_as_22_05_does(key, value, own_entries, rc):
    exc = submit_error({"environment": ENV, key: value})
    expected = [*(own(text, code) for text, code in own_entries), processed(key, rc)]
    assert wire(exc.entries) == wire([*expected, FAILED_PARSING])
    assert exc.errno == 9001


# --- option values ------------------------------------------------------------------

LOCAL_2030 = int(datetime.datetime(2030, 1, 2, 3, 4, 5).timestamp())
OPTION_VALUES = [
    ({"time_limit": "1:00:00"}, {"time_limit": 60}),
    ({"time_limit": "90:30"}, {"time_limit": 91}),  # minutes:seconds, rounded up
    ({"time_limit": "1-0"}, {"time_limit": 1440}),
    ({"time_limit": "UNLIMITED"}, {"time_limit": INFINITE}),
    ({"time_limit": 0}, {"time_limit": INFINITE}),
    ({"time_minimum": "30"}, {"time_minimum": 30}),
    ({"memory_per_node": "2G"}, {"memory_per_node": 2048}),
    ({"memory_per_cpu": "512K"}, {"memory_per_cpu": 1}),
    ({"nodes": 2}, {"minimum_nodes": 2, "maximum_nodes": 2}),
    ({"nodes": "2-4"}, {"minimum_nodes": 2, "maximum_nodes": 4}),
    ({"nodes": [1, 3]}, {"minimum_nodes": 1, "maximum_nodes": 3}),
    ({"standard_output": "none"}, {"standard_output": "/dev/null"}),
    ({"standard_error": "/tmp/%j.err"}, {"standard_error": "/tmp/%j.err"}),
    ({"no_kill": True}, {"kill_on_node_fail": False}),
    ({"no_kill": "off"}, {"kill_on_node_fail": True}),
    ({"gres": "gpu:2,gres:nic:1"}, {"tres_per_node": "gres/gpu:2,gres/nic:1"}),
    ({"mail_type": "begin,END"}, {"mail_type": ["BEGIN", "END"]}),
    ({"exclusive": "user"}, {"exclusive": True, "shared": "user"}),
    ({"exclusive": "true"}, {"exclusive": True}),
    ({"requeue": False}, {"requeue": False}),
    ({"no_requeue": True}, {"requeue": False}),
    ({"hold": "yes"}, {"hold": True}),
    ({"priority": "TOP"}, {"priority": INFINITE}),
    ({"priority": "10"}, {"priority": 10}),
    ({"nice": None}, {"nice": 100}),
    ({"open_mode": "Truncate"}, {"open_mode": "truncate"}),
    ({"signal": "B:USR1@60"}, {"signal": "B:USR1@60"}),
    ({"signal": "SIGTERM"}, {"signal": "SIGTERM"}),
    ({"argv": ["a", 1]}, {"argv": ["a", "1"]}),
    ({"account": 42}, {"account": "42"}),
    ({"begin_time": "2030-01-02T03:04:05"}, {"begin_time": LOCAL_2030}),
    ({"begin_time": "uts1900000000"}, {"begin_time": 1900000000}),
    ({"environment": {"N": 1, "B": True}}, {"environment": {"N": "1", "B": "true"}}),
    # options without a canonical field travel in JobDescription.extra
    ({"cores_per_socket": "4"}, {"cores_per_socket": 4}),
    ({"minimum_nodes": True}, {"use_minimum_nodes": True}),
    ({"temporary_disk_per_node": "1G"}, {"temporary_disk_per_node": 1024}),
    ({"umask": "022"}, {"umask": 0o22}),
    ({"delay_boot": "2:00"}, {"delay_boot": 120}),
]


@pytest.mark.parametrize(("job", "expected"), OPTION_VALUES)
def test_option_values_are_read_as_22_05_reads_them(job, expected):
    parsed = parse_submit({"script": "s", "job": {"environment": {"A": "1"}, **job}})
    given = parsed.descriptions[0].given()
    for name in ("script", "environment"):
        if name not in expected:
            given.pop(name)
    assert given == expected


# value -> what 22.05.8 made of it, read back with `scontrol show job` (hold: Reason
# JobHeldUser; kill_on_invalid_dependency: KillOInInvalidDependent) on the testbed.
BOOLEANS = [
    (True, True),
    (False, False),
    (None, False),
    (2, True),
    (-1, True),
    (0, False),
    (1.5, True),
    (0.0, False),
    ("sure", True),
    ("banana", True),
    ("yes", True),
    ("y", True),
    ("true", True),
    ("1", True),
    ("on", True),
    ("null", True),
    ("~", True),
    (" ", True),
    (" no", True),  # the words must stand alone
    ("no ", True),
    ("no\n", True),
    ("0x0", True),  # no hexadecimal
    ("0e0", True),  # no exponent
    ("  0", True),
    ("1.5", True),
    ("inf", True),
    (".", True),
    ("", False),
    ("no", False),
    ("NO", False),
    ("nO", False),
    ("n", False),
    ("N", False),
    ("f", False),
    ("F", False),
    ("false", False),
    ("FALSE", False),
    ("off", False),
    ("0", False),
    ("00", False),
    ("-0", False),
    ("+0", False),
    ("0.0", False),
    ("0.", False),
    (".0", False),
    ("-0.0", False),
    ("00.0", False),
]


@pytest.mark.parametrize(("value", "expected"), BOOLEANS)
@pytest.mark.parametrize("key", ["hold", "kill_on_invalid_dependency"])
def test_booleans_are_read_as_22_05_reads_them(key, value, expected):
    parsed = parse_submit({"script": "s", "job": {"environment": ENV, key: value}})
    assert parsed.descriptions[0].given()[key] is expected
    assert parse_update({key: value}).description.given()[key] is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, False), (1, True), ("1", True), ("+1", True), ("-0", False), ("00", False),
     (0.4, False), (1.4, True), (-0.4, False), (1.0, True)],
)  # fmt: skip
def test_wait_all_nodes_is_zero_or_one(value, expected):
    parsed = parse_submit({"script": "s", "job": {"environment": ENV, "wait_all_nodes": value}})
    assert parsed.descriptions[0].extra == {"wait_all_nodes": expected}


def test_flags_still_take_any_value_but_an_explicit_false():
    # 22.05 set these whatever the value; an explicit false (now in 22.05's words) is kept
    for value, expected in (("sure", True), ({}, True), ("off", False), ("0.0", False)):
        parsed = parse_submit({"script": "s", "job": {"environment": ENV, "requeue": value}})
        assert parsed.descriptions[0].given()["requeue"] is expected


def next_new_years_eve() -> int:
    now = datetime.datetime.now()
    eve = datetime.datetime(now.year, 12, 31)
    return int((eve if eve > now else eve.replace(year=now.year + 1)).timestamp())


@pytest.mark.parametrize("key", ["begin_time", "deadline"])
def test_a_bare_number_is_a_month_and_day_never_unix_seconds(key):
    # 22.05's parse_time(): 1231 is December 31st at 00:00, this year or the next
    parsed = parse_submit({"script": "s", "job": {"environment": ENV, key: 1231}})
    assert parsed.descriptions[0].given()[key] == next_new_years_eve()


# --- submission shape ---------------------------------------------------------------


def test_het_job_gives_one_description_per_component_and_the_script_to_the_first():
    parsed = parse_submit(
        {
            "script": "s",
            "jobs": [{"environment": ENV, "tasks": 1}, {"environment": ENV, "tasks": 2}],
        }
    )
    first, second = parsed.descriptions
    assert (first.script, first.tasks, second.script, second.tasks) == ("s", 1, None, 2)


def test_het_job_component_failure_names_its_index():
    with pytest.raises(RequestInvalid) as caught:
        parse_submit({"script": "s", "jobs": [{"environment": ENV}, {"name": "x"}]})
    assert wire(caught.value.entries) == wire(
        [
            {"error": "environment must be set", "error_code": 2127},
            {
                "description": "unexpected failure parsing het job: 1",
                "error_number": 9001,
                "error": "Failure during parsing",
                "source": "_parse_job_desc",
            },
            FAILED_PARSING,
        ]
    )


@pytest.mark.parametrize("jobs", [{"job": "text"}, {"job": None}, {"jobs": []}, {"jobs": 5}])
def test_a_job_entry_that_is_no_object_or_list_is_9002(jobs):
    with pytest.raises(RequestInvalid) as caught:
        parse_submit({"script": "s", **jobs})
    exc = caught.value
    assert exc.errno == 9002 and exc.status(GENERATION_2205) == 400
    assert exc.entries == [
        {
            "error_code": 9002,
            "error": "Jobs description entry not found, empty or not dictionary or list",
        }
    ]


@pytest.mark.parametrize("body", [None, [], "script", {"script": None}, {"script": {"a": 1}}])
def test_no_usable_script_is_2009_answered_500(body):
    with pytest.raises(RequestInvalid) as caught:
        parse_submit(body)
    assert caught.value.entries == [{"error_code": 2009, "error": "Job script not specified"}]
    assert caught.value.status(GENERATION_2205) == 500


def test_empty_environment_counts_as_missing():
    exc = submit_error({})
    assert wire(exc.entries) == wire(
        [{"error": "environment must be set", "error_code": 2127}, FAILED_PARSING]
    )


# --- update ---------------------------------------------------------------------------


def test_update_needs_no_environment_and_sets_only_given_fields():
    parsed = parse_update({"time_limit": "2:00:00", "hold": False})
    assert parsed.description.given() == {"time_limit": 120, "hold": False}


def test_update_failure_names_the_client():
    with pytest.raises(RequestInvalid) as caught:
        parse_update({"tasks": "many"}, context="[localhost]:46574")
    assert wire(caught.value.entries) == wire(
        [
            own("Unable to read integer value", 9202),
            processed("tasks", ERR),
            {
                "description": "job parsing failed for [localhost]:46574",
                "error_number": 9001,
                "error": "Failure during parsing",
                "source": "_parse_job_list",
            },
        ]
    )
    assert caught.value.status(GENERATION_2205) == 400


def test_update_refuses_het_lists_and_non_objects():
    with pytest.raises(RequestInvalid) as caught:
        parse_update([{"tasks": 1}], context="c")
    assert caught.value.entries == [
        {"description": "unexpected het job request from c", "source": "_parse_job_list"}
    ]
    with pytest.raises(RequestInvalid) as caught:
        parse_update([], context="c")  # an empty list too (a submit says 9002)
    assert caught.value.entries == [
        {"description": "unexpected het job request from c", "source": "_parse_job_list"}
    ]
    with pytest.raises(RequestInvalid) as caught:
        parse_update(None, context="c")
    assert caught.value.entries[0]["error_number"] == 9002
    assert caught.value.status(GENERATION_2205) == 400


# --- Slurm value strings (api.versions.request), as these bodies use them ----------------

DURATIONS = [
    ("30", 1800), ("1:30", 90), ("2:00:00", 7200), ("1-12", 129600), ("1-0:1", 86460),
    ("1-0:0:5", 86405), ("-1", INFINITE), ("infinite", INFINITE), ("Unlimited", INFINITE),
    ("", None), ("soon", None), ("1:2:3:4", None), ("1.5", None),
]  # fmt: skip


@pytest.mark.parametrize(("text", "seconds"), DURATIONS)
def test_duration_strings(text, seconds):
    assert request.seconds_from_time_string(text) == seconds


def test_minutes_round_seconds_up():
    assert request.minutes_from_time_string("0:1") == 1
    assert request.minutes_from_time_string("INFINITE") == INFINITE
    assert request.minutes_from_time_string("x") is None


@pytest.mark.parametrize(
    ("text", "mib"),
    [("100", 100), ("100M", 100), ("1k", 1), ("2048K", 2), ("3G", 3072), ("1T", 1048576),
     ("1.5G", None), ("-1", None), ("G", None), ("1GB", None)],
)  # fmt: skip
def test_memory_strings(text, mib):
    assert request.megabytes_from_string(text) == mib


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("3", (3, 3)),
        ("2-4", (2, 4)),
        ("1k", (1024, 1024)),
        ("4-2", None),
        ("x", None),
        ("1-", None),
    ],
)
def test_node_count_strings(text, counts):
    assert request.node_count_range(text) == counts


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("now", int(NOW)),
        ("now+1hour", int(NOW) + 3600),
        ("now+90", int(NOW) + 90),
        ("NOW-2days", int(NOW) - 172800),
        ("1700001234", 1700001234),
        ("2024-05-01", int(datetime.datetime(2024, 5, 1).timestamp())),
        ("2024-05-01T10:20", int(datetime.datetime(2024, 5, 1, 10, 20).timestamp())),
        ("now+3fortnights", None),
        ("2024-13-01", None),
        ("25:00", None),
        ("someday", None),
    ],
)
def test_time_strings(text, epoch):
    assert request.epoch_from_time_string(text, NOW) == epoch


def test_named_times_are_the_next_such_moment():
    today = datetime.datetime.fromtimestamp(NOW)
    midnight = datetime.datetime(today.year, today.month, today.day)
    tomorrow = int((midnight + datetime.timedelta(days=1)).timestamp())
    assert request.epoch_from_time_string("today", NOW) == int(midnight.timestamp())
    assert request.epoch_from_time_string("tomorrow", NOW) == tomorrow
    assert request.epoch_from_time_string("midnight", NOW) == tomorrow
    teatime = request.epoch_from_time_string("teatime", NOW)
    assert NOW < teatime <= NOW + 86400
    assert datetime.datetime.fromtimestamp(teatime).hour == 16
    clock = request.epoch_from_time_string("16:00", NOW)
    assert clock == teatime
