from bench import report
from bench.measure import Sample


def sample(target, endpoint="jobs", level=0, conn=1, rps=100.0, cpu=2.0, note="", **kw):
    s = Sample(target, endpoint, "/p", level, level, conn, status=200, resp_bytes=286)
    s.rps, s.p50_ms, s.p99_ms, s.daemon_cpu_ms_per_req = rps, 3.0, 9.0, cpu
    s.ctld_cpu_ms_per_req, s.peak_rss_mib, s.note = 0.5, 20.0, note
    for key, value in kw.items():
        setattr(s, key, value)
    return s


def test_numbers_keep_three_significant_digits():
    assert [report.number(v) for v in (1641.04, 47.71, 3.456, 0.4567, 0, None)] == [
        "1641",
        "47.7",
        "3.46",
        "0.457",
        "0",
        "-",
    ]


def test_comparison_row_pairs_c_with_ours_and_gives_ratios():
    table = report.comparison_tables([sample("c", rps=100.0, cpu=2.0), sample("ours", rps=250.0)])
    assert "### GET /slurm/v0.0.38/jobs" in table
    row = table.splitlines()[-1]
    assert row.startswith("| 0 | 1 | 100 / 250 | 2.50x |")
    assert "| 2.00 / 2.00 | 1.00x |" in row


def test_an_endpoint_ours_does_not_serve_is_na_without_ratio():
    unserved = sample("ours", endpoint="dbqos", rps=None, note="n/a (501)")
    table = report.comparison_tables([sample("c", endpoint="dbqos"), unserved])
    row = table.splitlines()[-1]
    assert "| 100 / n/a | - |" in row
    assert "ours: n/a (501)" in row


def test_rows_follow_jobs_then_connections_and_tables_follow_first_appearance():
    samples = [
        sample(t, endpoint=e, level=lv, conn=c)
        for e in ("ping", "jobs")
        for lv in (1000, 0)
        for c in (8, 1)
        for t in ("c", "ours")
    ]
    table = report.comparison_tables(samples)
    assert table.index("/ping") < table.index("/jobs")
    rows = [line.split(" | ")[:2] for line in table.splitlines() if line.startswith("| 0 ")]
    assert rows[:2] == [["| 0", "1"], ["| 0", "8"]]


def test_single_tables_list_one_daemon_alone():
    table = report.single_tables([sample("embedded", level=10000), sample("c")], "embedded")
    assert table.count("### ") == 1
    assert "| 10000 | 1 | 100 | 3.00 | 9.00 | 286 | 2.00 | 20.0 |  |" in table
