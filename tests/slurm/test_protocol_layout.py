"""Field tables (protocol/layout.py, messages_2205/2302.py) and the version table."""

from __future__ import annotations

import pytest

from slurmrestd.cluster.slurm.protocol import messages_2205, messages_2302
from slurmrestd.cluster.slurm.protocol.layout import (
    Field,
    Kind,
    insert_after,
    pack_fields,
    unpack_fields,
    without,
)
from slurmrestd.cluster.slurm.protocol.pack import Unpacker, UnpackError
from slurmrestd.cluster.slurm.protocol.versions import PROTOCOLS, protocol_for

NO_VAL, NO_VAL16, NO_VAL64 = 0xFFFFFFFE, 0xFFFE, 0xFFFFFFFFFFFFFFFE


def _names(layout):
    return [field.name for field in layout]


def test_an_empty_2205_job_desc_starts_and_ends_as_slurm_packs_it():
    body = pack_fields(messages_2205.JOB_DESC, {})
    head = bytes.fromhex(
        "fffffffe"  # site_factor NO_VAL
        "00000000" "00000000" "00000000"  # batch_features, cluster_features, clusters: NULL
        "0000"  # contiguous
        "00000000"  # container NULL
        "fffe"  # core_spec NO_VAL16
        "00002000"  # task_dist SLURM_DIST_UNKNOWN
        "fffe"  # kill_on_node_fail NO_VAL16
    )  # fmt: skip
    tail = bytes.fromhex(
        "0000006d"  # select plugin: cons_tres (109)
        "fffe"  # wait_all_nodes
        "0000000000000000"  # bitflags
        "fffffffe"  # delay_boot
        "00000000"  # extra NULL
        "0000" "00000000" "00000000" "0000"  # x11, cookie, target, port
        + "00000000" * 8  # the eight TRES strings
        + "00"  # no cron entry
    )  # fmt: skip
    assert body.startswith(head)
    assert body.endswith(tail)


def test_empty_2205_job_desc_reads_back_as_unset():
    values = unpack_fields(
        messages_2205.JOB_DESC, Unpacker(pack_fields(messages_2205.JOB_DESC, {}))
    )
    assert values["priority"] == NO_VAL
    assert values["time_limit"] == NO_VAL
    assert values["nice"] == NO_VAL
    assert values["pn_min_memory"] == NO_VAL64
    assert values["cpus_per_task"] == NO_VAL16
    assert values["overcommit"] == 0xFE
    assert values["user_id"] == NO_VAL
    assert values["name"] is None and values["script"] is None
    assert values["environment"] == [] and values["argv"] == []
    assert values["crontab_entry_set"] is False


def test_values_round_trip_through_the_2205_job_desc():
    given = {
        "name": "j",
        "environment": ["A=1", "B=2"],
        "script": "#!/bin/sh\n",
        "argv": ["a", "b"],
        "time_limit": 7,
        "pn_min_memory": 0x8000000000000064,
        "nice": 0x80000005,
        "open_mode": 1,
        "begin_time": 1893456000,
        "bitflags": 0x1E000000,
        "user_id": 1001,
    }
    reader = Unpacker(pack_fields(messages_2205.JOB_DESC, given))
    values = unpack_fields(messages_2205.JOB_DESC, reader)
    assert {key: values[key] for key in given} == given
    assert reader.remaining == 0


def test_a_value_for_no_field_is_a_caller_bug():
    with pytest.raises(KeyError, match="container_id"):
        pack_fields(messages_2205.JOB_DESC, {"container_id": "x"})


def test_2302_job_desc_is_2205_with_its_three_changes():
    old, new = _names(messages_2205.JOB_DESC), _names(messages_2302.JOB_DESC)
    assert "select_plugin_id" in old and "select_plugin_id" not in new
    assert new[new.index("container") + 1] == "container_id"
    assert new[new.index("max_nodes") + 1] == "job_size_str"
    assert [n for n in new if n not in ("container_id", "job_size_str")] == [
        n for n in old if n != "select_plugin_id"
    ]


def test_layout_edits_place_and_drop_rows():
    layout = (Field("a", Kind.U8), Field("b", Kind.U8))
    assert _names(insert_after(layout, "a", Field("x", Kind.U8))) == ["a", "x", "b"]
    assert _names(without(layout, ["a"])) == ["b"]
    with pytest.raises(KeyError):
        without(layout, ["zz"])


def test_version_table_knows_2205_and_2302_and_refuses_others():
    assert {p.release for p in PROTOCOLS.values()} == {"22.05", "23.02"}
    assert protocol_for(38 << 8).job_desc is messages_2205.JOB_DESC
    assert protocol_for(39 << 8).job_desc is messages_2302.JOB_DESC
    with pytest.raises(KeyError, match="0x2500"):
        protocol_for(37 << 8)


def test_reply_layouts_read_slurms_reply_bodies():
    rc_msg = bytes.fromhex("000007d0 00000006") + b"nope!\0"
    assert unpack_fields(messages_2205.RETURN_CODE_MSG, Unpacker(rc_msg)) == {
        "return_code": 2000,
        "err_msg": "nope!",
    }
    submitted = bytes.fromhex("00000c14 fffffffb 000007fa 00000000")
    assert unpack_fields(messages_2205.SUBMIT_RESPONSE, Unpacker(submitted)) == {
        "job_id": 3092,
        "step_id": 0xFFFFFFFB,
        "error_code": 2042,
        "job_submit_user_msg": None,
    }


# A 22.05 RESPONSE_RESOURCE_ALLOCATION body, byte by byte from
# _pack_resource_allocation_response_msg: a granted two-node allocation.
GRANTED_2205 = bytes.fromhex(
    "00000004" "6f707300"  # account "ops"
    "00000000"  # alias_list NULL
    "00000000"  # batch_host NULL
    "00000000"  # environment: no entries
    "00000000"  # error_code
    "00000003" "686900"  # job_submit_user_msg "hi"
    "00001c85"  # job_id 7301
    "00000002"  # node_cnt
    "00"  # node_addr: none sent
    "0000000a" "6e6f64655b312d325d00"  # node_list "node[1-2]"
    "fffe" "fffe" "fffe" "fffe"  # ntasks per board, core, tres, socket
    "00000001" "00000001" "0002" "00000001" "00000002"  # one CPU group: 2 CPUs x 2 nodes
    "00000006" "646562756700"  # partition "debug"
    "0000000000000000"  # pn_min_memory
    "00000007" "6e6f726d616c00"  # qos "normal"
    "00000000"  # resv_name NULL
    "0000006d" "00"  # select plugin id, no cluster record: left unread
)  # fmt: skip


def test_the_2205_allocation_reply_is_read_up_to_the_select_plugin_data():
    reader = Unpacker(GRANTED_2205)
    values = unpack_fields(messages_2205.ALLOCATION_RESPONSE, reader)
    assert values == {
        "account": "ops",
        "alias_list": None,
        "batch_host": None,
        "environment": [],
        "error_code": 0,
        "job_submit_user_msg": "hi",
        "job_id": 7301,
        "node_cnt": 2,
        "node_addr": [],
        "node_list": "node[1-2]",
        "ntasks_per_board": NO_VAL16,
        "ntasks_per_core": NO_VAL16,
        "ntasks_per_tres": NO_VAL16,
        "ntasks_per_socket": NO_VAL16,
        "cpu_groups": [(2, 2)],
        "partition": "debug",
        "pn_min_memory": 0,
        "qos": "normal",
        "resv_name": None,
    }
    assert reader.remaining == 5


def test_compound_rows_round_trip():
    layout = (
        Field("node_addr", Kind.ADDRESSES),
        Field("cpu_groups", Kind.CPU_GROUPS),
        Field("end", Kind.U8, 0),
    )
    given = {
        "node_addr": [("127.0.0.1", 16901), ("127.0.0.1", 16902)],
        "cpu_groups": [(2, 1), (1, 1)],
        "end": 9,
    }
    data = pack_fields(layout, given)
    assert data == bytes.fromhex(
        "01" "00000002" "0002" "0100007f" "0542" "0002" "0100007f" "0642"  # two addresses
        "00000002" "00000002" "0002" "0001" "00000002" "00000001" "00000001"  # two groups
        "09"
    )  # fmt: skip
    assert unpack_fields(layout, Unpacker(data)) == given
    empty = pack_fields(layout, {})
    assert empty == bytes.fromhex("00" "00000000" "00")  # no addresses/groups, end 0  # fmt: skip
    assert unpack_fields(layout, Unpacker(empty)) == {"node_addr": [], "cpu_groups": [], "end": 0}


def test_cpu_groups_whose_arrays_disagree_with_their_count_are_refused():
    data = bytes.fromhex("00000002" "00000001" "0002" "00000001" "00000002")  # fmt: skip
    with pytest.raises(UnpackError, match="2 CPU groups"):
        unpack_fields((Field("cpu_groups", Kind.CPU_GROUPS),), Unpacker(data))


def test_2302_allocation_reply_is_2205_plus_the_group_after_error_code():
    old, new = _names(messages_2205.ALLOCATION_RESPONSE), _names(messages_2302.ALLOCATION_RESPONSE)
    at = new.index("error_code")
    assert new[at + 1 : at + 3] == ["gid", "group_name"]
    assert [n for n in new if n not in ("gid", "group_name")] == old
    assert protocol_for(38 << 8).allocation_response is messages_2205.ALLOCATION_RESPONSE
    assert protocol_for(39 << 8).allocation_response is messages_2302.ALLOCATION_RESPONSE
