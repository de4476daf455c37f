"""Tests for slurmrestd.slurmconf: syntax, records, Include and typed accessors."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from slurmrestd.slurmconf import (
    MAX_INCLUDE_DEPTH,
    ControllerHost,
    NodeRecord,
    PartitionRecord,
    Record,
    SlurmConf,
    SlurmConfError,
    parse_file,
    parse_slurmctld_host,
    parse_text,
)

# ----------------------------------------------------------------- syntax --

OPTION_CASES = [
    ("ClusterName=testbed", {"clustername": "testbed"}),
    ("A=1 B=2\tC=3", {"a": "1", "b": "2", "c": "3"}),
    ("A=1\n\n   \nB=2\n", {"a": "1", "b": "2"}),
    ("  A=1  ", {"a": "1"}),
    ("A=1\r\nB=2\r\n", {"a": "1", "b": "2"}),
    ("A=", {"a": ""}),
    ('A=""', {"a": ""}),
    ("A=x=y,z", {"a": "x=y,z"}),
    ('A="two words"', {"a": "two words"}),
    ('A="x" B="y z"', {"a": "x", "b": "y z"}),
    ('A=pre"mid dle"post', {"a": "premid dlepost"}),
    ("A=1 # trailing comment", {"a": "1"}),
    ("# whole line\nA=1", {"a": "1"}),
    ("A=1#no space before comment", {"a": "1"}),
    (r"A=pass\#word", {"a": "pass#word"}),
    (r"A=\#", {"a": "#"}),
    ('A="in # quotes"', {"a": "in # quotes"}),
    ("A=1 \\\n  B=2", {"a": "1", "b": "2"}),
    ("A=node1,\\\nnode2", {"a": "node1,node2"}),
    ("A=1 \\\nB=2 \\\nC=3", {"a": "1", "b": "2", "c": "3"}),
    ("A=1 # comment \\\nB=2", {"a": "1", "b": "2"}),
    ("A=1\\", {"a": "1"}),  # continuation on the last line ends it
    ("A=1\nA=2", {"a": "2"}),  # last assignment wins
    ("a=1\nA=2", {"a": "2"}),
    ("SlurmUser=slurm\nslurmuser=root", {"slurmuser": "root"}),
]


@pytest.mark.parametrize(("text", "options"), OPTION_CASES)
def test_options(text: str, options: dict[str, str]) -> None:
    assert dict(parse_text(text).options) == options


def test_get_is_case_insensitive_and_keeps_spelling() -> None:
    conf = parse_text("ClusterName=one\nCLUSTERNAME=two")
    assert conf.get("clustername") == "two"
    assert conf.get("ClusterName") == "two"
    assert conf.get("Missing") is None
    assert conf.get("Missing", "dflt") == "dflt"
    assert conf.spellings["clustername"] == "CLUSTERNAME"
    assert conf.get_all("clusterNAME") == ("one", "two")


def test_result_is_immutable() -> None:
    conf = parse_text("A=1 NodeName=n1 CPUs=2")
    with pytest.raises(TypeError):
        conf.options["a"] = "2"  # type: ignore[index]
    with pytest.raises(TypeError):
        conf.nodes[0].params["CPUs"] = "4"  # type: ignore[index]
    with pytest.raises(AttributeError):
        conf.files = ()  # type: ignore[misc]


SYNTAX_ERRORS = [
    ("A=1\ngarbage", "<text>:2: expected Key=Value, got 'garbage'"),
    ("A=1 garbage", "<text>:1: expected Key=Value, got 'garbage'"),
    ("=value", "<text>:1: expected Key=Value, got '=value'"),
    ('A="open', "<text>:1: unterminated double quote"),
    ("A=1 \\\nB=2 junk", "<text>:1: expected Key=Value, got 'junk'"),
    ("\n\nInclude", "<text>:3: expected 'Include <path>'"),
    ("Include a b", "<text>:1: expected 'Include <path>'"),
    ("NodeName= CPUs=1", "<text>:1: NodeName needs a name"),
    ("NodeName=n[1-", "<text>:1: unclosed '['"),
    ("NodeName=n[5-1]", "<text>:1: reversed range"),
]


@pytest.mark.parametrize(("text", "message"), SYNTAX_ERRORS)
def test_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(SlurmConfError, match="^" + re.escape(message)):
        parse_text(text)


def test_error_names_file_and_line(tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"
    conf.write_text("ClusterName=x\n# comment\n\nA=1\nB=2\nC=3\nD=4\nE=5\nF=6\nG=7\nH=8\ngarbage\n")
    with pytest.raises(SlurmConfError) as info:
        parse_file(conf)
    assert str(info.value) == f"{conf}:12: expected Key=Value, got 'garbage'"
    assert info.value.where == f"{conf}:12"
    assert isinstance(info.value, ValueError)


def test_error_uses_given_filename() -> None:
    with pytest.raises(SlurmConfError, match=r"^slurm\.conf:1: "):
        parse_text("garbage", filename="slurm.conf")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.conf"
    with pytest.raises(SlurmConfError, match=re.escape(str(missing))):
        parse_file(missing)


def test_non_utf8_file(tmp_path: Path) -> None:
    conf = tmp_path / "slurm.conf"
    conf.write_bytes(b"A=\xff\xfe\n")
    with pytest.raises(SlurmConfError, match="not UTF-8"):
        parse_file(conf)


# ---------------------------------------------------------------- records --


def test_node_and_partition_records() -> None:
    conf = parse_text(
        "NodeName=node[1-3] CPUs=4 RealMemory=1000\n"
        "NodeName=gpu01 CPUs=8 Gres=gpu:2\n"
        "PartitionName=debug Nodes=node[1-3] Default=YES\n"
    )
    first, second = conf.nodes
    assert isinstance(first, NodeRecord)
    assert first.kind == "NodeName"
    assert first.name == "node[1-3]"
    assert first.names == ("node1", "node2", "node3")
    assert dict(first.params) == {"CPUs": "4", "RealMemory": "1000"}
    assert first.get("cpus") == first.get("CPUS") == "4"
    assert first.get("Weight") is None
    assert first.where == "<text>:1"
    assert second.names == ("gpu01",)
    (part,) = conf.partitions
    assert isinstance(part, PartitionRecord)
    assert (part.name, part.names) == ("debug", ("debug",))
    assert part.get("nodes") == "node[1-3]"
    assert conf.node_names == ("node1", "node2", "node3", "gpu01")
    # Record attributes never leak into the options.
    assert "cpus" not in conf.options
    assert "nodes" not in conf.options


def test_record_key_is_case_insensitive() -> None:
    conf = parse_text("nodename=n1 cpus=2\nPARTITIONNAME=p NODES=n1")
    assert conf.nodes[0].kind == "NodeName"
    assert conf.nodes[0].get("CPUs") == "2"
    assert conf.partitions[0].name == "p"


def test_options_before_a_record_key_on_the_same_line() -> None:
    conf = parse_text("ClusterName=c NodeName=n1 CPUs=2")
    assert conf.cluster_name == "c"
    assert conf.nodes[0].names == ("n1",)
    assert dict(conf.nodes[0].params) == {"CPUs": "2"}


def test_other_record_kinds() -> None:
    conf = parse_text(
        "NodeSet=gpus Feature=gpu\n"
        "FrontendName=fe[1-2] FrontendAddr=10.0.0.1\n"
        "DownNodes=node[3-4] State=DOWN Reason=broken\n"
        "NodeName=n1\n"
    )
    (nodeset,) = conf.records("nodeset")
    assert type(nodeset) is Record
    assert (nodeset.kind, nodeset.name, nodeset.names) == ("NodeSet", "gpus", ("gpus",))
    assert conf.records("FrontendName")[0].names == ("fe1", "fe2")
    down = conf.records("DOWNNODES")[0]
    assert down.names == ("node3", "node4")
    assert down.get("reason") == "broken"
    assert conf.records("NodeName") == conf.nodes
    assert conf.records("Licenses") == ()
    assert [r.kind for r in conf.all_records] == [
        "NodeSet",
        "FrontendName",
        "DownNodes",
        "NodeName",
    ]


def test_default_records_apply_to_later_records_only() -> None:
    conf = parse_text(
        "NodeName=early CPUs=1\n"
        "NodeName=DEFAULT CPUs=4 RealMemory=1000\n"
        "NodeName=a\n"
        "NodeName=b cpus=8\n"  # own value wins, whatever its spelling
        "nodename=default Weight=5 realmemory=2000\n"  # adds to and overrides the default
        "NodeName=c\n"
        "PartitionName=DEFAULT MaxTime=60 State=UP\n"
        "PartitionName=p1 Nodes=a\n"
        "PartitionName=p2 MaxTime=INFINITE\n"
    )
    by_name = {n.name: dict(n.params) for n in conf.nodes}
    assert by_name == {
        "early": {"CPUs": "1"},
        "a": {"CPUs": "4", "RealMemory": "1000"},
        "b": {"cpus": "8", "RealMemory": "1000"},
        "c": {"CPUs": "4", "realmemory": "2000", "Weight": "5"},
    }
    assert [p.name for p in conf.partitions] == ["p1", "p2"]
    assert dict(conf.partitions[0].params) == {"MaxTime": "60", "State": "UP", "Nodes": "a"}
    assert conf.partitions[1].get("maxtime") == "INFINITE"
    # DEFAULT lines are not records themselves.
    assert "DEFAULT" not in conf.node_names


def test_node_defaults_do_not_leak_into_partitions() -> None:
    conf = parse_text("NodeName=DEFAULT State=UNKNOWN\nPartitionName=p\nNodeName=n")
    assert dict(conf.partitions[0].params) == {}
    assert dict(conf.nodes[0].params) == {"State": "UNKNOWN"}


# ---------------------------------------------------------------- Include --


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_include_relative_to_the_including_file(tmp_path: Path, monkeypatch) -> None:
    main = write(tmp_path / "etc" / "slurm.conf", "A=1\nInclude sub/nodes.conf\nB=3\n")
    nodes = write(tmp_path / "etc" / "sub" / "nodes.conf", "include more.conf\nNodeName=n1\n")
    more = write(tmp_path / "etc" / "sub" / "more.conf", "B=2\nC=4\n")
    monkeypatch.chdir(tmp_path)  # must not matter
    conf = parse_file(main)
    assert dict(conf.options) == {"a": "1", "b": "3", "c": "4"}  # file order decides
    assert conf.get_all("b") == ("2", "3")
    assert conf.node_names == ("n1",)
    assert conf.files == (str(main), str(nodes), str(more))


def test_include_absolute_and_quoted(tmp_path: Path) -> None:
    extra = write(tmp_path / "dir with space" / "x.conf", "X=1")
    conf = parse_text(f'Include "{extra}"')
    assert conf.get("x") == "1"
    assert conf.files == (str(extra),)


def test_include_from_text_uses_base_dir(tmp_path: Path) -> None:
    write(tmp_path / "x.conf", "X=1")
    assert parse_text("Include x.conf", base_dir=str(tmp_path)).get("X") == "1"


def test_include_glob_in_sorted_order(tmp_path: Path) -> None:
    write(tmp_path / "conf.d" / "20-b.conf", "V=b\nNodeName=n2")
    write(tmp_path / "conf.d" / "10-a.conf", "V=a\nNodeName=n1")
    write(tmp_path / "conf.d" / "ignored.txt", "V=bad")
    main = write(tmp_path / "slurm.conf", "Include conf.d/*.conf")
    conf = parse_file(main)
    assert conf.get("v") == "b"
    assert conf.node_names == ("n1", "n2")
    assert [os.path.basename(f) for f in conf.files] == ["slurm.conf", "10-a.conf", "20-b.conf"]


def test_include_glob_matching_nothing_is_fine(tmp_path: Path) -> None:
    main = write(tmp_path / "slurm.conf", "Include conf.d/*.conf\nA=1")
    assert parse_file(main).get("a") == "1"


def test_include_missing_file_names_the_including_line(tmp_path: Path) -> None:
    main = write(tmp_path / "slurm.conf", "A=1\nInclude nope.conf\n")
    with pytest.raises(SlurmConfError) as info:
        parse_file(main)
    assert info.value.where == f"{main}:2"
    assert str(tmp_path / "nope.conf") in str(info.value)


def test_include_errors_name_the_included_file(tmp_path: Path) -> None:
    sub = write(tmp_path / "sub.conf", "\ngarbage")
    main = write(tmp_path / "slurm.conf", "Include sub.conf")
    with pytest.raises(SlurmConfError, match=re.escape(f"{sub}:2: expected Key=Value")):
        parse_file(main)


def test_include_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.conf", "Include b.conf")
    write(tmp_path / "b.conf", "A=1\nInclude a.conf")
    with pytest.raises(SlurmConfError, match="include cycle") as info:
        parse_file(a)
    assert info.value.where == f"{tmp_path / 'b.conf'}:2"


def test_include_self(tmp_path: Path) -> None:
    a = write(tmp_path / "a.conf", "Include ./a.conf")
    with pytest.raises(SlurmConfError, match="include cycle"):
        parse_file(a)


def test_same_file_included_twice_is_not_a_cycle(tmp_path: Path) -> None:
    write(tmp_path / "common.conf", "NodeName=n1")
    main = write(tmp_path / "slurm.conf", "Include common.conf\nInclude common.conf")
    conf = parse_file(main)
    assert conf.node_names == ("n1", "n1")
    assert len(conf.files) == 2


def _chain(tmp_path: Path, depth: int) -> Path:
    """f0 includes f1 includes ... f<depth>."""
    for i in range(depth):
        write(tmp_path / f"f{i}.conf", f"Include f{i + 1}.conf")
    write(tmp_path / f"f{depth}.conf", "Deepest=yes")
    return tmp_path / "f0.conf"


def test_include_depth_limit(tmp_path: Path) -> None:
    assert parse_file(_chain(tmp_path / "ok", MAX_INCLUDE_DEPTH)).get("deepest") == "yes"
    with pytest.raises(SlurmConfError, match=f"deeper than {MAX_INCLUDE_DEPTH}"):
        parse_file(_chain(tmp_path / "deep", MAX_INCLUDE_DEPTH + 1))


# -------------------------------------------------------- typed accessors --


def test_accessor_defaults() -> None:
    conf = parse_text("")
    assert conf.slurm_user == "root"
    assert conf.cluster_name is None
    assert conf.auth_alt_types == ()
    assert conf.auth_alt_parameters == {}
    assert conf.jwt_key_path is None
    assert conf.jwks_path is None
    assert conf.state_save_location is None
    assert conf.accounting_storage_type is None
    assert conf.slurmctld_hosts == ()
    assert conf.nodes == conf.partitions == conf.files == ()


def test_auth_alt() -> None:
    conf = parse_text(
        'AuthAltTypes="auth/jwt, auth/other,"\n'
        "AuthAltParameters=jwt_key=/etc/slurm/k.key,jwks=/etc/slurm/j.json,"
        "disable_token_creation,UserClaimField=x=y\n"
    )
    assert conf.auth_alt_types == ("auth/jwt", "auth/other")
    assert conf.auth_alt_parameters == {
        "jwt_key": "/etc/slurm/k.key",
        "jwks": "/etc/slurm/j.json",
        "disable_token_creation": "",
        "userclaimfield": "x=y",
    }
    assert conf.jwt_key_path == "/etc/slurm/k.key"
    assert conf.jwks_path == "/etc/slurm/j.json"


SLURMCTLD_HOST_CASES = [
    ("vm(127.0.0.1)", ControllerHost("vm", "127.0.0.1")),
    ("vm", ControllerHost("vm", "vm")),
    (" head.example.com(10.1.2.3) ", ControllerHost("head.example.com", "10.1.2.3")),
    ("v6(::1)", ControllerHost("v6", "::1")),
]


@pytest.mark.parametrize(("value", "host"), SLURMCTLD_HOST_CASES)
def test_parse_slurmctld_host(value: str, host: ControllerHost) -> None:
    assert parse_slurmctld_host(value) == host
    name, addr = parse_slurmctld_host(value)
    assert (name, addr) == tuple(host)


@pytest.mark.parametrize("value", ["", "vm()", "vm(1.2.3.4", "vm(a)(b)", "(1.2.3.4)"])
def test_parse_slurmctld_host_errors(value: str) -> None:
    with pytest.raises(SlurmConfError, match="SlurmctldHost"):
        parse_slurmctld_host(value)


def test_multiple_slurmctld_hosts_in_order() -> None:
    conf = parse_text("SlurmctldHost=primary(10.0.0.1)\nslurmctldhost=backup\nSlurmctldHost=b2")
    assert conf.slurmctld_hosts == (
        ("primary", "10.0.0.1"),
        ("backup", "backup"),
        ("b2", "b2"),
    )


def test_legacy_control_machine() -> None:
    conf = parse_text(
        "ControlMachine=head\nControlAddr=10.0.0.1\nBackupController=head2\nBackupAddr=10.0.0.2"
    )
    assert conf.slurmctld_hosts == (("head", "10.0.0.1"), ("head2", "10.0.0.2"))
    assert parse_text("ControlMachine=head").slurmctld_hosts == (("head", "head"),)
    # SlurmctldHost wins when both are present.
    both = parse_text("ControlMachine=old\nSlurmctldHost=new")
    assert both.slurmctld_hosts == (("new", "new"),)


# -------------------------------------------------------------- real world --

# The slurm.conf written by /work/shared/testbed/slurm-up.sh, with its shell
# variables replaced by sample values (HOST=vm, 4 nodes, WITH_DBD=1). The
# backslash-newline in the NodeName line is Python's: the file gets one line.
TESTBED_SLURM_CONF = """\
# Generated by slurm-up.sh -- single-host Slurm 22.05 testbed, no cgroups.
ClusterName=testbed
SlurmctldHost=vm(127.0.0.1)
SlurmUser=slurm
SlurmctldPort=6817
SlurmdPort=6818
# munge inside the cluster; JWT (HS256) as the alternate type for slurmrestd
AuthType=auth/munge
CredType=cred/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=/etc/slurm/jwt_hs256.key
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd/%n
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd-%n.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd-%n.log
SlurmctldDebug=info
SlurmdDebug=info
# container friendly: no cgroup plugins anywhere
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
# let several slurmd share one host with the same hardware
SlurmdParameters=config_overrides
MaxJobCount=50000
MinJobAge=300
KillWait=5
InactiveLimit=0
SlurmctldTimeout=60
SlurmdTimeout=120
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=6819
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
JobCompType=jobcomp/none
# N emulated nodes, one slurmd each (slurmd -N nodeK), distinct ports
NodeName=node[1-4] NodeHostname=vm NodeAddr=127.0.0.1 Port=17001-17004 CPUs=4 Boards=1 \
SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=2 RealMemory=1975 State=UNKNOWN
PartitionName=debug Nodes=node[1-4] Default=YES MaxTime=INFINITE State=UP
PartitionName=batch Nodes=node[3-4] MaxTime=1-00:00:00 DefaultTime=01:00:00 State=UP
"""

TESTBED_SLURMDBD_CONF = """\
# Generated by slurm-up.sh
AuthType=auth/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=/etc/slurm/jwt_hs256.key
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=6819
SlurmUser=slurm
DebugLevel=info
LogFile=/var/log/slurm/slurmdbd.log
PidFile=/run/slurm/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StoragePort=3306
StorageUser=slurm
StoragePass=slurmdbpass
StorageLoc=slurm_acct_db
"""


def test_testbed_slurm_conf(tmp_path: Path) -> None:
    path = write(tmp_path / "slurm.conf", TESTBED_SLURM_CONF)
    conf = parse_file(path)
    assert isinstance(conf, SlurmConf)
    assert conf.files == (str(path),)
    assert conf.cluster_name == "testbed"
    assert conf.slurm_user == "slurm"
    assert conf.slurmctld_hosts == (ControllerHost("vm", "127.0.0.1"),)
    assert conf.auth_alt_types == ("auth/jwt",)
    assert conf.jwt_key_path == "/etc/slurm/jwt_hs256.key"
    assert conf.jwks_path is None
    assert conf.state_save_location == "/var/spool/slurmctld"
    assert conf.accounting_storage_type == "accounting_storage/slurmdbd"
    assert conf.get("slurmdspooldir") == "/var/spool/slurmd/%n"
    assert conf.get("SlurmctldPort") == "6817"
    assert len(conf.options) == 39
    (nodes,) = conf.nodes
    assert nodes.name == "node[1-4]"
    assert nodes.names == ("node1", "node2", "node3", "node4")
    assert nodes.get("port") == "17001-17004"
    assert nodes.get("RealMemory") == "1975"
    assert nodes.get("State") == "UNKNOWN"
    assert len(nodes.params) == 10
    debug, batch = conf.partitions
    assert (debug.name, debug.get("Nodes"), debug.get("Default")) == ("debug", "node[1-4]", "YES")
    assert (batch.name, batch.get("Nodes"), batch.get("MaxTime")) == (
        "batch",
        "node[3-4]",
        "1-00:00:00",
    )


def test_testbed_slurmdbd_conf() -> None:
    conf = parse_text(TESTBED_SLURMDBD_CONF, filename="slurmdbd.conf")
    assert conf.slurm_user == "slurm"
    assert conf.jwt_key_path == "/etc/slurm/jwt_hs256.key"
    assert conf.get("StoragePass") == "slurmdbpass"
    assert conf.get("dbdport") == "6819"
    assert conf.nodes == conf.partitions == ()
