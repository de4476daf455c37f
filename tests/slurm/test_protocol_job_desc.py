"""JobDescription -> job_desc_msg_t values (protocol/job_desc.py).

Expected values follow Slurm 22.05's option layer, as sbatch sends them on the
testbed: nice offset 0x80000000, MEM_PER_CPU bit, --signal and --mail-type bits,
JOB_NTASKS_SET/JOB_CPUS_SET and USE_DEFAULT_* flags.
"""

from __future__ import annotations

import pwd

import pytest

from slurmrestd.api.numbers import INFINITE
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol.job_desc import job_desc_values
from slurmrestd.model.job_desc import JobDescription

USE_DEFAULTS = 0x1E000000  # account, partition, QOS and wckey all left to Slurm
EVERY_DEFAULT_GIVEN = {"account": "a", "partition": "p", "qos": "q", "wckey": "w"}


def _values(**fields):
    return job_desc_values(JobDescription(**fields), user_id=None, group_id=None)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "j", "script": "s"}, {"name": "j", "script": "s"}),
        ({"current_working_directory": "/w"}, {"work_dir": "/w"}),
        (
            {"standard_input": "/i", "standard_output": "/o", "standard_error": "/e"},
            {"std_in": "/i", "std_out": "/o", "std_err": "/e"},
        ),
        ({"environment": {"A": "1", "B": "x y"}}, {"environment": ["A=1", "B=x y"]}),
        ({"argv": ["/bin/s", "arg"]}, {"argv": ["/bin/s", "arg"]}),
        ({"minimum_nodes": 1, "maximum_nodes": 2}, {"min_nodes": 1, "max_nodes": 2}),
        ({"tasks_per_node": 2, "minimum_cpus": 4}, {"ntasks_per_node": 2, "min_cpus": 4}),
        ({"memory_per_node": 200}, {"pn_min_memory": 200}),
        ({"memory_per_node": INFINITE}, {"pn_min_memory": 0}),
        ({"memory_per_cpu": 100}, {"pn_min_memory": 0x8000000000000064}),
        ({"constraints": "fast"}, {"features": "fast"}),
        ({"required_nodes": "n1", "excluded_nodes": "n4"}, {"req_nodes": "n1", "exc_nodes": "n4"}),
        ({"tres_per_node": "gres/gpu:1,gres/nic"}, {"tres_per_node": "gres:gpu:1,gres:nic"}),
        ({"time_limit": 1440, "time_minimum": 5}, {"time_limit": 1440, "time_min": 5}),
        ({"time_limit": INFINITE}, {"time_limit": 0xFFFFFFFF}),
        (
            {"begin_time": 1893456000, "deadline": 1924992000},
            {"begin_time": 1893456000, "deadline": 1924992000},
        ),
        (
            {"array": "0-3%2", "dependency": "singleton"},
            {"array_inx": "0-3%2", "dependency": "singleton"},
        ),
        ({"priority": INFINITE}, {"priority": 0xFFFFFFFF}),
        ({"hold": True}, {"priority": 0}),
        ({"hold": True, "priority": 5}, {"priority": 5}),
        ({"nice": 5}, {"nice": 0x80000005}),
        ({"nice": -5}, {"nice": 0x7FFFFFFB}),
        ({"requeue": True, "kill_on_node_fail": False}, {"requeue": 1, "kill_on_node_fail": 0}),
        ({"signal": "B:USR1@90"}, {"warn_flags": 1, "warn_signal": 10, "warn_time": 90}),
        ({"signal": "R:USR2"}, {"warn_flags": 0x100, "warn_signal": 12, "warn_time": 60}),
        ({"signal": "RB:5"}, {"warn_flags": 0x101, "warn_signal": 5, "warn_time": 60}),
        ({"mail_type": ["END", "FAIL"]}, {"mail_type": 6}),
        ({"mail_type": ["ALL", "TIME_LIMIT_90", "ARRAY_TASKS"]}, {"mail_type": 0x72F}),
        ({"open_mode": "append"}, {"open_mode": 1}),
        ({"open_mode": "truncate"}, {"open_mode": 2}),
        ({"exclusive": True}, {"shared": 0}),
        ({"admin_comment": "x", "comment": "y"}, {"admin_comment": "x", "comment": "y"}),
    ],
)
def test_fields_map_to_slurms_wire_values(fields, expected):
    values = _values(**fields)
    assert {key: values.get(key) for key in expected} == expected


def test_unset_fields_are_left_to_the_layout_defaults():
    assert _values() == {"bitflags": USE_DEFAULTS}


@pytest.mark.parametrize(
    ("fields", "flags"),
    [
        ({}, USE_DEFAULTS),
        ({"partition": "debug"}, 0x1A000000),
        (EVERY_DEFAULT_GIVEN, 0),
        ({**EVERY_DEFAULT_GIVEN, "tasks": 2}, 0x4000),
        ({**EVERY_DEFAULT_GIVEN, "cpus_per_task": 1}, 0x8000),
        ({**EVERY_DEFAULT_GIVEN, "extra": {"spread_job": True, "use_minimum_nodes": True}}, 0x300),
        ({**EVERY_DEFAULT_GIVEN, "extra": {"kill_on_invalid_dependency": True}}, 0x1),
        # An explicit false says so (NO_KILL_INV_DEP); false spread_job is just unset.
        ({**EVERY_DEFAULT_GIVEN, "extra": {"kill_on_invalid_dependency": False}}, 0x2),
        ({**EVERY_DEFAULT_GIVEN, "extra": {"spread_job": False}}, 0),
    ],
)
def test_bitflags_say_what_was_asked_and_what_was_left_to_slurm(fields, flags):
    assert _values(**fields)["bitflags"] == flags


def test_tasks_and_cpus_carry_their_counts():
    values = _values(tasks=2, cpus_per_task=3)
    assert (values["num_tasks"], values["cpus_per_task"]) == (2, 3)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"prefer": "fast", "container": "/c"}, {"prefer": "fast", "container": "/c"}),
        (
            {"minimum_cpus_per_node": 1, "temporary_disk_per_node": 10},
            {"pn_min_cpus": 1, "pn_min_tmp_disk": 10},
        ),
        ({"thread_specification": 2}, {"core_spec": 0x8002}),
        ({"core_specification": 2}, {"core_spec": 2}),
        ({"shared": "oversubscribe"}, {"shared": 1}),
        ({"contiguous": True, "immediate": True}, {"contiguous": 1, "immediate": 1}),
        ({"umask": 0o22}, {"environment": ["SLURM_UMASK=0022"]}),
    ],
)
def test_extra_keys_of_the_version_parsers_map_too(extra, expected):
    values = _values(extra=extra)
    assert {key: values.get(key) for key in expected} == expected


def test_extra_keys_that_ask_for_nothing_are_skipped():
    # false/zero/empty extras are defaults a client echoes back, as in sbatch_args
    asked_nothing = {"gpus": 0, "distribution": None, "flags": [], "spread_job": False}
    assert _values(extra=asked_nothing) == {"bitflags": USE_DEFAULTS}


@pytest.mark.parametrize("extra", [{"distribution": "block"}, {"gpus": 2}])
def test_extra_keys_without_a_mapping_are_refused_by_name(extra):
    with pytest.raises(SlurmError) as caught:
        _values(extra=extra)
    assert caught.value.errno == Errno.NOT_SUPPORTED
    assert next(iter(extra)) in caught.value.description


@pytest.mark.parametrize(
    "fields",
    [
        {"environment": {"A=B": "1"}},
        {"environment": {"A": "x\0y"}},
        {"tasks_per_node": 70000},
        {"minimum_nodes": -1},
        {"time_limit": 1.5},
        {"nice": 2**31},
        {"signal": "B:NOSUCH"},
        {"signal": "USR1@70000"},
        {"mail_type": ["SOMETIMES"]},
        {"open_mode": "sideways"},
        {"extra": {"shared": "everyone"}},
    ],
)
def test_values_slurm_cannot_hold_are_refused(fields):
    with pytest.raises(SlurmError) as caught:
        _values(**fields)
    assert caught.value.errno == Errno.EINVAL


def test_credential_user_ids_are_used_unless_the_job_names_others():
    job = JobDescription(name="j")
    assert job_desc_values(job, user_id=1001, group_id=1002)["user_id"] == 1001
    own = job_desc_values(JobDescription(user_id=7, group_id=8), user_id=1001, group_id=1002)
    assert (own["user_id"], own["group_id"]) == (7, 8)
    assert "user_id" not in job_desc_values(job, user_id=None, group_id=None)


def test_user_name_in_extra_is_resolved_on_this_host():
    root = pwd.getpwuid(0).pw_name
    values = job_desc_values(JobDescription(extra={"user_name": root}), user_id=1, group_id=1)
    assert values["user_id"] == 0
    with pytest.raises(SlurmError) as caught:
        job_desc_values(
            JobDescription(extra={"user_name": "no-such-user-h14"}), user_id=1, group_id=1
        )
    assert caught.value.errno == Errno.USER_ID_MISSING


def test_a_mapping_of_field_names_works_like_a_job_description():
    mapping = {"name": "j", "hold": True, "prefer": "fast", "extra": {"container": "/c"}}
    assert job_desc_values(mapping, user_id=None, group_id=None) == {
        "name": "j",
        "priority": 0,
        "prefer": "fast",
        "container": "/c",
        "bitflags": USE_DEFAULTS,
    }
