"""The native packer against the real sbatch 22.05: same REST value, same job_desc.

Each case is a REST job object (parsed by that version's real parser), the sbatch
options sbatch_args would pass for it, and a companion both sides need for the
option to make sense (-n2 for gpus_per_task...). sbatch runs against a fake
slurmctld (sbatch_capture); our values are packed and read back with the same
22.05 table. What a case changes is compared: its difference from the companion
alone, on each side, so what the two always fill differently (script, working
directory, sbatch's command line, the defaults sbatch computes) stays out of it.
Of the environment only the entries that encode an option are compared
(SLURM_GET_USER_ENV, SLURM_RLIMIT_*, SLURM_ARBITRARY_NODELIST): the rest is
sbatch's own process environment, which a REST job's environment replaces (as
sbatch --export-file does on the sbatch path). sbatch runs with --propagate=NONE
unless a case asks for limits, so it sends none of its own.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from slurm.sbatch_capture import SbatchCapture, unavailable_reason
from slurmrestd.api.versions.v0_0_38 import job_desc as v0_0_38
from slurmrestd.api.versions.v0_0_46 import job_desc as v0_0_46
from slurmrestd.cluster.errors import Errno, SlurmError
from slurmrestd.cluster.slurm.protocol.job_desc import job_desc_values
from slurmrestd.cluster.slurm.protocol.layout import pack_fields, unpack_fields
from slurmrestd.cluster.slurm.protocol.messages_2205 import JOB_DESC
from slurmrestd.cluster.slurm.protocol.pack import Unpacker
from slurmrestd.model.job_desc import JobDescription

REASON = unavailable_reason()
pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(REASON is not None, reason=f"cannot run sbatch here: {REASON}"),
]

SCRIPT = "#!/bin/sh\ntrue\n"
ENVIRONMENT = {"CAPTURE": "yes"}
NOT_COMPARED = frozenset({"submit_line", "environment"})
ENCODED_ENVIRONMENT = ("SLURM_GET_USER_ENV=", "SLURM_ARBITRARY_NODELIST=", "SLURM_RLIMIT_")

# name -> (sbatch options, job fields by REST version)
COMPANIONS: dict[str, tuple[tuple[str, ...], dict[str, dict[str, Any]]]] = {
    "": ((), {"v0.0.38": {}, "v0.0.46": {}}),
    "tasks": (("-n2",), {"v0.0.38": {"tasks": 2}}),
    "gpus": (("--gpus=2",), {"v0.0.38": {"gpus": "2"}}),
    "one gpu": (("--gpus=1",), {"v0.0.38": {"gpus": "1"}}),
    "gres gpu": (("--gres=gpu:1",), {"v0.0.46": {"tres_per_node": "gres/gpu:1"}}),
    "gres nic": (("--gres=nic:1",), {"v0.0.38": {"gres": "nic:1"}}),
    "gpus per node": (
        ("--gpus-per-node=1", "-N2"),
        {"v0.0.38": {"gpus_per_node": "1", "nodes": 2}},
    ),
    "sockets": (("--sockets-per-node=2",), {"v0.0.38": {"sockets_per_node": 2}}),
    "threads": (("--threads-per-core=2",), {"v0.0.38": {"threads_per_core": 2}}),
    "nodes": (("-w", "node[1-2]"), {"v0.0.38": {"nodelist": "node[1-2]"}}),
}


@dataclass(frozen=True)
class Case:
    version: str
    job: dict[str, Any]
    options: tuple[str, ...]
    companion: str = ""
    limits: dict[int, int] = field(default_factory=dict)
    changes_nothing: bool = False  # the option is dropped (e.g. a hint beside --threads-per-core)

    @property
    def id(self) -> str:
        companion = f" +{self.companion}" if self.companion else ""
        return f"{self.version} {self.job}{companion}"


def v38(job: dict[str, Any], *options: str, companion: str = "", **kw: Any) -> Case:
    return Case("v0.0.38", job, options, companion, **kw)


def v46(job: dict[str, Any], *options: str, companion: str = "", **kw: Any) -> Case:
    return Case("v0.0.46", job, options, companion, **kw)


def _limit(which: int, wanted: int) -> int:
    """`wanted`, or the hard limit where that is lower (a soft limit cannot pass it)."""
    hard = resource.getrlimit(which)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


# (REST name, RLIMIT_*, a soft limit sbatch can run under)
LIMITS = [
    ("cpu", resource.RLIMIT_CPU, 3600),
    ("fsize", resource.RLIMIT_FSIZE, 1 << 30),
    ("data", resource.RLIMIT_DATA, 8 << 30),
    ("stack", resource.RLIMIT_STACK, 8 << 20),
    ("core", resource.RLIMIT_CORE, 0),
    ("rss", resource.RLIMIT_RSS, 1 << 30),
    ("nproc", resource.RLIMIT_NPROC, 4096),
    ("nofile", resource.RLIMIT_NOFILE, 1024),
    ("memlock", resource.RLIMIT_MEMLOCK, 65536),
    ("as", resource.RLIMIT_AS, 8 << 30),
]


def _rlimit_case(name: str, which: int, wanted: int) -> Case:
    value = _limit(which, wanted)
    job = {"rlimits": {name: {"set": True, "number": value}}}
    return v46(job, f"--propagate={name.upper()}", limits={which: value})


CASES = [
    # distribution: task_dist (+ plane_size), arbitrary also counts tasks from the node list
    v38({"distribution": "cyclic:block"}, "--distribution=cyclic:block"),
    v38({"distribution": "block"}, "--distribution=block"),
    v38({"distribution": "plane=4"}, "--distribution=plane=4"),
    v38({"distribution": "*:*:*"}, "--distribution=*:*:*"),
    v38({"distribution": "block:cyclic:fcyclic"}, "--distribution=block:cyclic:fcyclic"),
    v46({"distribution": "cyclic,pack"}, "--distribution=cyclic,pack"),
    v46({"distribution": "block,NoPack"}, "--distribution=block,NoPack"),
    v46({"distribution": "pack"}, "--distribution=pack"),
    v38({"distribution": "arbitrary"}, "--distribution=arbitrary", companion="nodes"),
    # cpu_frequency: cpu_freq_min / max / gov
    *(
        v38({"cpu_frequency": text}, f"--cpu-freq={text}")
        for text in ("low", "medium", "high", "highm1", "2400000", "ondemand", "userspace")
    ),
    v38({"cpu_frequency": "2000000-3000000:performance"}, "--cpu-freq=2000000-3000000:performance"),
    v46({"cpu_frequency": "low-high"}, "--cpu-freq=low-high"),
    v46({"cpu_frequency": "1000-high:userspace"}, "--cpu-freq=1000-high:userspace"),
    v46({"cpu_frequency": "1000:perf-2000"}, "--cpu-freq=1000:perf-2000"),
    # cpu_binding_hint: socket / core / thread counts
    *(
        v38({"cpu_binding_hint": text}, f"--hint={text}")
        for text in ("nomultithread", "compute_bound", "memory_bound", "multithread")
    ),
    v38({"cpu_binding_hint": "memory_bound,nomultithread"}, "--hint=memory_bound,nomultithread"),
    v38({"cpu_binding_hint": "nomultithread"}, "--hint=nomultithread", companion="sockets"),
    v38(
        {"cpu_binding_hint": "nomultithread"},
        "--hint=nomultithread",
        companion="threads",
        changes_nothing=True,
    ),
    # GPUs: tres_per_job / node / socket / task, cpus_per_tres, mem_per_tres, ntasks_per_tres
    v38({"gpus": "2"}, "--gpus=2"),
    v38({"gpus": "tesla:2"}, "--gpus=tesla:2"),
    v38({"gpus": "1,"}, "--gpus=1,"),
    v38({"gpus_per_node": "gpu:1"}, "--gpus-per-node=gpu:1"),
    v38({"gpus_per_node": "2"}, "--gpus-per-node=2"),
    v38({"gpus_per_node": "1"}, "--gpus-per-node=1", companion="gres nic"),
    v38({"gpus_per_socket": "1"}, "--gpus-per-socket=1", companion="sockets"),
    v38({"gpus_per_task": "2"}, "--gpus-per-task=2", companion="tasks"),
    v38({"gpus_per_task": "1"}, "--gpus-per-task=1", companion="gpus"),
    v38({"cpus_per_gpu": 4}, "--cpus-per-gpu=4"),
    v46({"cpus_per_tres": "gres/gpu:4"}, "--cpus-per-gpu=4"),
    v38({"memory_per_gpu": 100}, "--mem-per-gpu=100", companion="one gpu"),
    v38({"memory_per_gpu": "2G"}, "--mem-per-gpu=2G", companion="one gpu"),
    v46({"memory_per_tres": "gres/gpu:100"}, "--mem-per-gpu=100", companion="gres gpu"),
    v38({"ntasks_per_gpu": 2}, "--ntasks-per-gpu=2", companion="gpus"),
    v38({"ntasks_per_gpu": 2}, "--ntasks-per-gpu=2", companion="gpus per node"),
    v38({"gpu_binding": "closest"}, "--gpu-bind=closest"),
    v38({"gpu_binding": "map_gpu:0,1"}, "--gpu-bind=map_gpu:0,1"),
    v46({"tres_bind": "gres/gpu:closest"}, "--gpu-bind=closest"),
    v38({"gpu_frequency": "high"}, "--gpu-freq=high"),
    v38({"gpu_frequency": "medium,memory=low"}, "--gpu-freq=medium,memory=low"),
    v46({"tres_freq": "gpu:high"}, "--gpu-freq=high"),
    v38({"gres_flags": "enforce-binding"}, "--gres-flags=enforce-binding"),
    v38({"gres_flags": "disable-binding"}, "--gres-flags=disable-binding"),
    # memory_binding: mem_bind_type (+ mem_bind)
    *(
        v38({"memory_binding": text}, f"--mem-bind={text}")
        for text in (
            "local",
            "verbose,local",
            "none",
            "rank",
            "sort",
            "prefer,map_mem:1",
            "map_mem:0,1",
            "map_mem:0*2,1",
            "mask_mem:0x1,0x2",
            "map_mem:1,local",
        )
    ),
    v46({"memory_binding": "Verbose,None"}, "--mem-bind=Verbose,None"),
    # profile
    v38({"profile": "task"}, "--profile=task"),
    v38({"profile": "task,energy"}, "--profile=task,energy"),
    v38({"profile": "all"}, "--profile=all"),
    v46({"profile": ["TASK"]}, "--profile=task"),
    v46({"profile": ["ENERGY", "LUSTRE", "NETWORK"]}, "--profile=energy,lustre,network"),
    v46({"profile": ["NONE"]}, "--profile=none"),
    # flags: bitflags (the v0.0.46 parser also sets the matching v0.0.38 keys)
    v46({"flags": ["SPREAD_JOB"]}, "--spread-job"),
    v46({"flags": ["PREFER_MINIMUM_NODE_COUNT"]}, "--use-min-nodes"),
    v46({"flags": ["KILL_INVALID_DEPENDENCY"]}, "--kill-on-invalid-dep=yes"),
    v46({"flags": ["NO_KILL_INVALID_DEPENDENCY"]}, "--kill-on-invalid-dep=no"),
    v46({"flags": ["GRES_BINDING_ENFORCED"]}, "--gres-flags=enforce-binding"),
    v46({"flags": ["GRES_BINDING_DISABLED"]}, "--gres-flags=disable-binding"),
    v46({"flags": ["SPREAD_JOB", "EXACT_TASK_COUNT_REQUESTED"]}, "--spread-job"),
    # get_user_environment: SLURM_GET_USER_ENV=1 in the environment, whatever the timeout
    v38({"get_user_environment": True}, "--get-user-env"),
    v38({"get_user_environment": "10L"}, "--get-user-env=10L"),
    # rlimits: SLURM_RLIMIT_<NAME>=U<limit>, as --propagate=<NAME> under that soft limit
    *(_rlimit_case(name, which, wanted) for name, which, wanted in LIMITS),
    v46(
        {"rlimits": {"nofile": {"set": True, "number": 512}, "core": {"set": True, "number": 0}}},
        "--propagate=NOFILE,CORE",
        limits={resource.RLIMIT_NOFILE: 512, resource.RLIMIT_CORE: 0},
    ),
    v46(
        {"rlimits": {"fsize": {"infinite": True}}},
        "--propagate=FSIZE",
        limits={resource.RLIMIT_FSIZE: resource.RLIM_INFINITY},
    ),
]


@pytest.fixture(scope="module")
def sbatch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SbatchCapture]:
    capture = SbatchCapture(tmp_path_factory.mktemp("sbatch"))
    yield capture
    capture.close()


@pytest.fixture(scope="module")
def sbatch_baselines(sbatch: SbatchCapture) -> dict[str, dict[str, Any]]:
    """What sbatch sends for each companion alone (filled on first use)."""
    return {}


def rest_job(version: str, job: dict[str, Any]) -> JobDescription:
    """A job object through the version's own submit parser."""
    if version == "v0.0.38":
        body = {"script": SCRIPT, "job": {"environment": dict(ENVIRONMENT), **job}}
        return v0_0_38.parse_submit(body).descriptions[0]
    environment = [f"{name}={value}" for name, value in ENVIRONMENT.items()]
    body = {"script": SCRIPT, "job": {"environment": environment, **job}}
    return v0_0_46.parse_submit(body).descriptions[0]


def native(desc: JobDescription) -> dict[str, Any]:
    """The job descriptor our packer sends, read back with the 22.05 table."""
    packed = pack_fields(JOB_DESC, job_desc_values(desc, user_id=None, group_id=None))
    return unpack_fields(JOB_DESC, Unpacker(packed))


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value
        for name, value in after.items()
        if name not in NOT_COMPARED and value != before[name]
    }


def encoded_environment(fields: dict[str, Any]) -> set[str]:
    return {entry for entry in fields["environment"] if entry.startswith(ENCODED_ENVIRONMENT)}


def sbatch_options(options: tuple[str, ...]) -> list[str]:
    if any(option.startswith("--propagate") for option in options):
        return list(options)
    return ["--propagate=NONE", *options]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_native_values_are_what_sbatch_sends(
    sbatch: SbatchCapture, sbatch_baselines: dict[str, dict[str, Any]], case: Case
) -> None:
    companion_options, companion_jobs = COMPANIONS[case.companion]
    if case.companion not in sbatch_baselines:
        sbatch_baselines[case.companion] = sbatch.run(sbatch_options(companion_options)).fields
    sent = sbatch.run(sbatch_options((*companion_options, *case.options)), limits=case.limits)
    expected = changes(sbatch_baselines[case.companion], sent.fields)

    companion_job = companion_jobs[case.version]
    ours_before = native(rest_job(case.version, companion_job))
    ours = native(rest_job(case.version, {**companion_job, **case.job}))

    assert changes(ours_before, ours) == expected
    assert encoded_environment(ours) == encoded_environment(sent.fields)
    assert case.changes_nothing != bool(expected or encoded_environment(sent.fields))


REFUSED = [
    ("v0.0.38", {"cpu_frequency": "conservative"}, "--cpu-freq=conservative"),
    ("v0.0.38", {"cpu_frequency": "high-low"}, "--cpu-freq=high-low"),
    ("v0.0.38", {"cpu_frequency": "low:performance"}, "--cpu-freq=low:performance"),
    ("v0.0.38", {"cpu_frequency": "performance:userspace"}, "--cpu-freq=performance:userspace"),
    ("v0.0.38", {"cpu_frequency": "abc"}, "--cpu-freq=abc"),
    ("v0.0.38", {"distribution": "plane"}, "--distribution=plane"),
    ("v0.0.38", {"distribution": "fcyclic"}, "--distribution=fcyclic"),
    ("v0.0.38", {"distribution": "block,pack,nopack"}, "--distribution=block,pack,nopack"),
    ("v0.0.38", {"distribution": "arbitrary"}, "--distribution=arbitrary"),
    ("v0.0.38", {"distribution": "::"}, "--distribution=::"),
    ("v0.0.38", {"distribution": ",pack"}, "--distribution=,pack"),
    ("v0.0.38", {"distribution": "plane=0"}, "--distribution=plane=0"),
    ("v0.0.38", {"gpu_binding": "gpu:"}, "--gpu-bind=gpu:"),
    ("v0.0.38", {"cpu_binding_hint": "nomultithread,"}, "--hint=nomultithread,"),
    ("v0.0.38", {"memory_binding": "map_mem:1*x"}, "--mem-bind=map_mem:1*x"),
    ("v0.0.38", {"memory_binding": "mask_mem:0X3"}, "--mem-bind=mask_mem:0X3"),
    ("v0.0.38", {"memory_binding": "bogus"}, "--mem-bind=bogus"),
    ("v0.0.38", {"memory_binding": "map_mem:"}, "--mem-bind=map_mem:"),
    ("v0.0.38", {"memory_binding": "map_mem:0x1"}, "--mem-bind=map_mem:0x1"),
    ("v0.0.38", {"cpu_binding_hint": "help"}, "--hint=help"),
    ("v0.0.38", {"profile": "bogus"}, "--profile=bogus"),
]


@pytest.mark.parametrize(("version", "job", "option"), REFUSED, ids=lambda v: str(v))
def test_what_sbatch_refuses_is_refused_natively(
    sbatch: SbatchCapture, version: str, job: dict[str, Any], option: str
) -> None:
    sbatch.refused([option])
    with pytest.raises(SlurmError) as caught:
        job_desc_values(rest_job(version, job), user_id=None, group_id=None)
    assert caught.value.errno == Errno.EINVAL


def test_the_capture_decodes_a_whole_submission(sbatch: SbatchCapture) -> None:
    # The harness itself: one plain submission decodes with nothing left over and
    # carries what the command line said.
    sent = sbatch.run(["--job-name=capture", "--time=5"])
    assert (sent.fields["name"], sent.fields["time_limit"], sent.fields["priority"]) == (
        "capture",
        5,
        0,
    )
    assert sent.stdout.strip().endswith("4242")
