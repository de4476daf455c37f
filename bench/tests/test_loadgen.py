import shutil

import pytest

from bench import loadgen
from bench.tests.local_server import serving

wrk_missing = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


def test_lua_strings_escape_quotes_backslashes_and_control_bytes():
    assert loadgen.lua_string('a"b\\c\n') == '"a\\034b\\092c\\010"'


def test_lua_strings_escape_non_ascii_bytes_with_three_digits():
    # "é1": a short escape followed by a digit would be read as a different byte.
    assert loadgen.lua_string("é1") == '"\\195\\1691"'


def test_script_sets_method_and_headers_and_reports_one_line():
    load = loadgen.Load("http://127.0.0.1:1", "/x", 4, 1, headers={"X-A": "tok"})
    script = loadgen.lua_script(load)
    assert 'wrk.method = "GET"' in script
    assert 'wrk.headers["X-A"] = "tok"' in script
    assert loadgen.RESULT_MARKER in script and "function done(" in script


def test_one_connection_uses_one_thread_more_use_two():
    assert loadgen.Load("u", "/", 1, 1).threads == 1
    assert loadgen.Load("u", "/", 32, 1).threads == 2


def test_wrk_arguments_carry_the_load():
    argv = loadgen.wrk_argv(loadgen.Load("http://h:1", "/p", 8, 2.4, timeout_s=30), "s.lua")
    assert argv == ["wrk", "-t2", "-c8", "-d2s", "--timeout=30s", "-s", "s.lua", "http://h:1/p"]


def test_result_line_is_parsed_into_milliseconds_and_error_sums():
    line = (
        'BENCH-RESULT {"requests":200,"duration":2000000,"bytes":5000,"connect":1,"read":2,'
        '"write":0,"status":3,"timeout":4,"p50_us":1500,"p99_us":9000}'
    )
    result = loadgen.parse_result("Running 2s test\n" + line + "\n")
    assert (result.requests, result.rps, result.p50_ms, result.p99_ms) == (200, 100.0, 1.5, 9.0)
    assert (result.status_errors, result.socket_errors) == (3, 7)


def test_no_completed_request_has_no_latency():
    line = (
        'BENCH-RESULT {"requests":0,"duration":1000000,"bytes":0,"connect":0,"read":0,'
        '"write":0,"status":0,"timeout":8,"p50_us":0,"p99_us":0}'
    )
    result = loadgen.parse_result(line)
    assert result.p50_ms is None and result.rps == 0


def test_missing_result_line_is_an_error():
    with pytest.raises(ValueError):
        loadgen.parse_result("Running 1s test\n")


@wrk_missing
def test_wrk_run_sends_the_headers_and_counts_what_the_server_answered():
    with serving() as (url, seen):
        load = loadgen.Load(url, "/slurm/ping", 2, 1, headers={"X-SLURM-USER-TOKEN": "t0k"})
        result = loadgen.run(load)
    assert result.requests > 10
    assert result.requests <= len(seen.requests)
    method, path, headers, _ = seen.requests[0]
    assert (method, path, headers["X-SLURM-USER-TOKEN"]) == ("GET", "/slurm/ping", "t0k")
    assert result.status_errors == 0 and result.p50_ms is not None


@wrk_missing
def test_wrk_counts_error_answers():
    with serving() as (url, seen):
        seen.status = 501
        result = loadgen.run(loadgen.Load(url, "/", 1, 1))
    assert result.requests > 0 and result.status_errors == result.requests
