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
from slurmrestd.cluster.slurm.protocol.job_desc import (
    EXTRA_CONVERTERS,
    FIELD_CONVERTERS,
    HANDLED_APART,
    job_desc_values,
)
from slurmrestd.cluster.slurm.sbatch_args import FIELD_OPTIONS
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


@pytest.mark.parametrize("extra", [{"cpu_binding": "cores"}, {"x11": ["BATCH_NODE"]}])
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


# The options sbatch parses into several fields. Expected values are sbatch 22.05's,
# captured with tests/slurm/sbatch_capture.py (test_protocol_sbatch_equality checks
# them against the real sbatch where it is installed).
@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"distribution": "cyclic:block"}, {"task_dist": 0x21}),
        ({"distribution": "plane=4"}, {"task_dist": 4, "plane_size": 4}),
        ({"distribution": "*:*:*"}, {"task_dist": 0x112}),
        ({"distribution": "cyclic:*:*"}, {"task_dist": 0x111}),
        ({"distribution": "BLOCK:fcyclic"}, {"task_dist": 0x32}),
        ({"distribution": "block,nopack"}, {"task_dist": 0x400002}),
        ({"distribution": "pack"}, {"task_dist": 0x802000}),
        ({"cpu_frequency": "low"}, {"cpu_freq_max": 0x80000001}),
        ({"cpu_frequency": "lowest"}, {"cpu_freq_max": 0x80000001}),
        ({"cpu_frequency": "him1"}, {"cpu_freq_max": 0x80000004}),
        ({"cpu_frequency": "12x"}, {"cpu_freq_max": 12}),
        ({"cpu_frequency": "99999999999"}, {"cpu_freq_max": 1215752191}),
        ({"cpu_frequency": "perf"}, {"cpu_freq_gov": 0x82000000}),
        (
            {"cpu_frequency": "2000000-3000000:performance"},
            {"cpu_freq_min": 2000000, "cpu_freq_max": 3000000, "cpu_freq_gov": 0x82000000},
        ),
        ({"cpu_frequency": "1000-1000"}, {"cpu_freq_min": 1000, "cpu_freq_max": 1000}),
        # cut at the first "-" and the first ":", wherever they are (as Slurm cuts it)
        (
            {"cpu_frequency": "1000:perf-2000"},
            {"cpu_freq_min": 1000, "cpu_freq_max": 2000, "cpu_freq_gov": 0x82000000},
        ),
        ({"gpus": ","}, {"tres_per_job": None}),
        ({"gpus": "tesla:2"}, {"tres_per_job": "gres:gpu:tesla:2"}),
        ({"gpus_per_node": "gpu:1"}, {"tres_per_node": "gres:gpu:gpu:1"}),
        ({"gpus_per_socket": 1}, {"tres_per_socket": "gres:gpu:1"}),
        ({"cpus_per_gpu": 4}, {"cpus_per_tres": "gres:gpu:4"}),
        ({"memory_per_tres": "gres/gpu:100"}, {"mem_per_tres": "gres:gpu:100"}),
        ({"gpu_binding": "closest"}, {"tres_bind": "gpu:closest"}),
        ({"tres_bind": "gres/gpu:single:2"}, {"tres_bind": "gpu:single:2"}),
        ({"tres_freq": "gpu:high"}, {"tres_freq": "gpu:high"}),
        ({"gres_flags": "enforce-binding"}, {"bitflags": 0x10 | USE_DEFAULTS}),
        ({"gres_flags": "disable-binding"}, {"bitflags": 0x80000 | USE_DEFAULTS}),
        ({"memory_binding": "v,q,local"}, {"mem_bind_type": 0x20}),
        ({"memory_binding": "mask_mem:0xf0,0x0F"}, {"mem_bind_type": 0x10, "mem_bind": "f0,0F"}),
        ({"memory_binding": "map_mem:1,local"}, {"mem_bind_type": 0x20, "mem_bind": None}),
        ({"memory_binding": "sort,prefer"}, {"mem_bind_type": 0xC0}),
        ({"profile": "task,energy"}, {"profile": 6}),
        ({"profile": ["ALL"]}, {"profile": 0xFFFFFFFF}),
        ({"profile": "none,task"}, {"profile": 1}),
        ({"profile": ["NOT_SET"]}, {"profile": None}),
        ({"tasks_per_gpu": 2}, {"ntasks_per_tres": 2}),
        ({"get_user_environment": "10L"}, {"environment": ["SLURM_GET_USER_ENV=1"]}),
        ({"cpu_binding_hint": "multithread"}, {"ntasks_per_core": 0xFFFF}),
        (
            {"cpu_binding_hint": "compute_bound", "sockets_per_node": 2, "cores_per_socket": 2},
            {"sockets_per_node": None, "cores_per_socket": None, "threads_per_core": 1},
        ),
        # threads or tasks per core given: the hint is dropped
        (
            {"cpu_binding_hint": "nomultithread", "threads_per_core": 2},
            {"threads_per_core": 2},
        ),
        ({"cpu_binding_hint": "multithread", "tasks_per_core": 1}, {"ntasks_per_core": 1}),
    ],
)
def test_sbatch_options_map_to_its_wire_values(extra, expected):
    values = _values(extra=extra)
    assert {key: values.get(key) for key in expected} == expected


@pytest.mark.parametrize(
    ("flags", "bits"),
    [
        (["SPREAD_JOB"], 0x100),
        (["PREFER_MINIMUM_NODE_COUNT"], 0x200),
        (["GRES_BINDING_ENFORCED", "GRES_BINDING_DISABLED"], 0x80010),
        # of the dependency pair the later wins, as the later sbatch option would
        (["KILL_INVALID_DEPENDENCY", "NO_KILL_INVALID_DEPENDENCY"], 0x2),
        (["NO_KILL_INVALID_DEPENDENCY", "KILL_INVALID_DEPENDENCY"], 0x1),
        (["EXACT_TASK_COUNT_REQUESTED", "USING_DEFAULT_QOS"], 0),
    ],
)
def test_job_flags_a_submitter_can_set_become_bitflags(flags, bits):
    assert _values(**EVERY_DEFAULT_GIVEN, extra={"flags": flags})["bitflags"] == bits


@pytest.mark.parametrize("flag", ["TEST_NOW_ONLY", "CRON_JOB", "HAS_STATE_DIRECTORY"])
def test_job_flags_only_slurmctld_sets_are_not_supported(flag):
    with pytest.raises(SlurmError) as caught:
        _values(extra={"flags": ["SPREAD_JOB", flag]})
    assert caught.value.errno == Errno.NOT_SUPPORTED
    assert flag in caught.value.description


def test_rlimits_travel_as_requested_limits_in_slurms_order():
    limits = {"nofile": {"set": True, "number": 1024}, "cpu": INFINITE, "core": 0,
              "stack": {"infinite": True}, "as": {"set": False, "number": 5}}  # fmt: skip
    values = _values(environment={"A": "1", "SLURM_RLIMIT_CORE": "9"}, extra={"rlimits": limits})
    assert values["environment"] == [
        "A=1",
        f"SLURM_RLIMIT_CPU=U{2**64 - 1}",
        f"SLURM_RLIMIT_STACK=U{2**64 - 1}",
        "SLURM_RLIMIT_CORE=U0",
        "SLURM_RLIMIT_NOFILE=U1024",
    ]


def test_rlimits_are_not_sent_with_the_users_login_environment():
    # sbatch --get-user-env propagates no limits: slurmd takes the login's own.
    values = _values(extra={"rlimits": {"nofile": 10}, "get_user_environment": True})
    assert values["environment"] == ["SLURM_GET_USER_ENV=1"]


def test_arbitrary_distribution_counts_one_task_per_required_node():
    values = _values(required_nodes="n[1-3],n1", extra={"distribution": "arbitrary"})
    assert (values["task_dist"], values["num_tasks"]) == (3, 3)
    assert values["bitflags"] & 0x4000
    assert values["environment"] == ["SLURM_ARBITRARY_NODELIST=n[1-3],n1"]
    assert (
        _values(tasks=5, required_nodes="n1", extra={"distribution": "arbitrary"})["num_tasks"] == 5
    )
    with pytest.raises(SlurmError) as caught:
        _values(required_nodes="n[1-", extra={"distribution": "arbitrary"})
    assert caught.value.errno == Errno.EINVAL


@pytest.mark.parametrize(
    ("fields", "tasks"),
    [
        ({"extra": {"gpus": "4", "gpus_per_task": "2"}}, 2),
        ({"extra": {"gpus": "tesla:3", "tasks_per_gpu": 2}}, 6),
        # ntasks_per_tres times the GPUs wins over a task count (gres_job_state_validate)
        ({"tasks": 3, "extra": {"gpus": "2", "tasks_per_gpu": 2}}, 4),
        ({"minimum_nodes": 2, "extra": {"gpus_per_node": "1", "tasks_per_gpu": 2}}, 4),
        # not a whole number of tasks: left for slurmctld to refuse
        ({"extra": {"gpus": "5", "gpus_per_task": "2"}}, None),
        ({"tasks": 3, "extra": {"gpus": "4", "gpus_per_task": "2"}}, 3),
    ],
)
def test_task_counts_follow_from_gpu_counts(fields, tasks):
    assert _values(**fields).get("num_tasks") == tasks


def test_gpus_per_node_come_ahead_of_other_gres():
    values = _values(tres_per_node="gres/nic:1", extra={"gpus_per_node": "1"})
    assert values["tres_per_node"] == "gres:gpu:1,gres:nic:1"


def test_cpu_governors_are_checked_against_those_allowed():
    with pytest.raises(SlurmError) as caught:
        _values(extra={"cpu_frequency": "conservative"})
    assert caught.value.errno == Errno.EINVAL
    values = job_desc_values(
        JobDescription(extra={"cpu_frequency": "conservative"}),
        user_id=None,
        group_id=None,
        governors={"Conservative", "OnDemand"},
    )
    assert values["cpu_freq_gov"] == 0x88000000


@pytest.mark.parametrize(
    "extra",
    [
        {"distribution": "plane=0"},
        {"distribution": "plane=4,pack"},
        {"distribution": "::"},
        {"distribution": "block:block:block:block"},
        {"distribution": ",pack"},
        {"distribution": "arbitrary"},  # no required_nodes to lay tasks out on
        {"cpu_frequency": "h"},
        {"cpu_frequency": "-5"},
        {"cpu_frequency": "low-"},
        {"cpu_frequency": "2000000-1000000"},
        {"cpu_frequency": "2000000-3000000:bogus"},
        {"memory_binding": "mask_mem:0X3"},
        {"memory_binding": "map_mem:1*x"},
        {"memory_binding": "help"},
        {"cpu_binding_hint": "nomultithread,"},
        {"profile": ["BOGUS"]},
        {"gres_flags": "sometimes"},
        {"gpus": True},
        {"gpu_binding": "gpu:"},
        {"rlimits": {"files": 10}},
        {"rlimits": {"nofile": -1}},
        {"rlimits": [1]},
        {"flags": "SPREAD_JOB"},
    ],
)
def test_option_values_sbatch_would_refuse_are_invalid(extra):
    with pytest.raises(SlurmError) as caught:
        _values(extra=extra)
    assert caught.value.errno == Errno.EINVAL


def test_every_field_sbatch_can_pass_has_a_native_encoding():
    # A field only sbatch can pass sends a JWT user's job through sbatch, which signs
    # as the daemon's uid (2010 "Invalid user id" for anyone else).
    native = set(FIELD_CONVERTERS) | set(EXTRA_CONVERTERS) | HANDLED_APART
    assert set(FIELD_OPTIONS) - native == set()
