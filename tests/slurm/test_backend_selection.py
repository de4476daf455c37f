"""--backend auto: the Slurm cluster slurm.conf names when it answers, else embedded."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from slurm.testbed import Testbed
from slurm.testbed.layout import free_port
from slurmrestd.cli import Options
from slurmrestd.cluster.embedded import EmbeddedCluster
from slurmrestd.cluster.slurm import SlurmCluster
from slurmrestd.daemon import StartupError, make_cluster
from slurmrestd.slurmconf import parse_file, parse_text


def test_without_slurm_conf_it_is_embedded() -> None:
    cluster = make_cluster(Options(backend="auto"), None)
    assert isinstance(cluster, EmbeddedCluster)


def test_a_conf_naming_no_controller_is_for_the_embedded_one() -> None:
    conf = parse_text("ClusterName=lab\nNodeName=n1 CPUs=2\nPartitionName=debug Nodes=n1\n")
    assert isinstance(make_cluster(Options(backend="auto"), conf), EmbeddedCluster)


@pytest.fixture
def silent_controller_conf(tmp_path: Path) -> Path:
    if shutil.which("scontrol") is None:
        pytest.skip("Slurm's commands are not installed (Debian's slurm-client)")
    path = tmp_path / "slurm.conf"
    path.write_text(
        "ClusterName=gone\nSlurmctldHost=localhost(127.0.0.1)\n"
        f"SlurmctldPort={free_port()}\nAuthType=auth/munge\n"
        "NodeName=n1 CPUs=1\nPartitionName=debug Nodes=n1 Default=YES\n"
    )
    return path


def test_a_controller_that_does_not_answer_leaves_auto_on_embedded(
    silent_controller_conf: Path, caplog: pytest.LogCaptureFixture
) -> None:
    options = Options(backend="auto", conf_file=str(silent_controller_conf))
    with caplog.at_level(logging.WARNING):
        cluster = make_cluster(options, parse_file(silent_controller_conf))
    assert isinstance(cluster, EmbeddedCluster)
    assert "serving the embedded backend instead" in caplog.text


def test_backend_slurm_insists(silent_controller_conf: Path) -> None:
    options = Options(backend="slurm", conf_file=str(silent_controller_conf))
    with pytest.raises(StartupError, match="slurm backend"):
        make_cluster(options, parse_file(silent_controller_conf))


@pytest.mark.slurm
def test_a_reachable_controller_is_fronted(slurm_testbed: Testbed) -> None:
    options = Options(backend="auto", conf_file=str(slurm_testbed.conf), read_freshness=0.5)
    cluster = make_cluster(options, parse_file(slurm_testbed.conf))
    assert isinstance(cluster, SlurmCluster)
    assert cluster.name == slurm_testbed.cluster
