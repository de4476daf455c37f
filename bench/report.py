"""Markdown tables from Samples: one table per endpoint.

Side by side (C daemon vs ours): one row per (jobs, connections), each metric
as "C / ours", plus ratios (ours/C) for throughput and daemon CPU. A daemon
that does not serve an endpoint shows "n/a" instead of numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bench.measure import Sample
from bench.plan import ENDPOINTS

DASH = "-"


def number(value: float | None) -> str:
    """Short, readable figures: 3 significant digits, no exponent."""
    if value is None:
        return DASH
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs == 0:
        return DASH
    return f"{ours / theirs:.2f}x"


def _cell(sample: Sample | None, attribute: str) -> str:
    if sample is None:
        return DASH
    if not sample.measured:
        return "n/a"
    return number(getattr(sample, attribute))


def pair(c: Sample | None, ours: Sample | None, attribute: str) -> str:
    return f"{_cell(c, attribute)} / {_cell(ours, attribute)}"


def _title(label: str) -> str:
    for endpoint in ENDPOINTS:
        if endpoint.label == label:
            return endpoint.title
    return label


def _jobs(*samples: Sample | None) -> str:
    counts = sorted({s.jobs for s in samples if s is not None and s.jobs is not None})
    return "/".join(str(c) for c in counts) or DASH


def _notes(samples: Iterable[Sample | None]) -> list[str]:
    return [f"{s.target}: {s.note}" for s in samples if s is not None and s.note]


def comparison_tables(samples: Sequence[Sample], left: str = "c", right: str = "ours") -> str:
    """One table per endpoint, in plan order: `left` against `right` (e.g. C vs ours)."""
    cells: dict[tuple[str, int, int], dict[str, Sample]] = {}
    for s in samples:
        if s.target in (left, right):
            cells.setdefault((s.endpoint, s.level, s.connections), {})[s.target] = s
    out: list[str] = []
    labels = list(dict.fromkeys(key[0] for key in cells))
    for label in labels:
        out += [
            f"### {_title(label)}",
            "",
            "| jobs | conn | req/s C / ours | ours/C | p50 ms C / ours | p99 ms C / ours "
            "| daemon CPU ms/req C / ours | CPU ours/C | slurmctld CPU ms/req C / ours "
            "| peak RSS MiB C / ours | resp bytes C / ours | notes |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key in sorted(k for k in cells if k[0] == label):
            c, ours = cells[key].get(left), cells[key].get(right)
            out.append(
                "| "
                + " | ".join(
                    [
                        _jobs(c, ours),
                        str(key[2]),
                        pair(c, ours, "rps"),
                        _ratio_of(ours, c, "rps"),
                        pair(c, ours, "p50_ms"),
                        pair(c, ours, "p99_ms"),
                        pair(c, ours, "daemon_cpu_ms_per_req"),
                        _ratio_of(ours, c, "daemon_cpu_ms_per_req"),
                        pair(c, ours, "ctld_cpu_ms_per_req"),
                        pair(c, ours, "peak_rss_mib"),
                        f"{_bytes(c)} / {_bytes(ours)}",
                        "; ".join(_notes((c, ours))),
                    ]
                )
                + " |"
            )
        out.append("")
    return "\n".join(out)


def _bytes(sample: Sample | None) -> str:
    return str(sample.resp_bytes) if sample is not None and sample.resp_bytes is not None else DASH


def _ratio_of(ours: Sample | None, c: Sample | None, attribute: str) -> str:
    if ours is None or c is None or not (ours.measured and c.measured):
        return DASH
    return ratio(getattr(ours, attribute), getattr(c, attribute))


def single_tables(samples: Sequence[Sample], target: str) -> str:
    """One table per endpoint for a daemon measured alone (the embedded backend)."""
    mine = [s for s in samples if s.target == target]
    out: list[str] = []
    for label in dict.fromkeys(s.endpoint for s in mine):
        out += [
            f"### {_title(label)}",
            "",
            "| jobs | conn | req/s | p50 ms | p99 ms | resp bytes | daemon CPU ms/req "
            "| peak RSS MiB | notes |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for s in sorted((s for s in mine if s.endpoint == label), key=_row_key):
            out.append(
                f"| {_jobs(s)} | {s.connections} | {_cell(s, 'rps')} | {_cell(s, 'p50_ms')} "
                f"| {_cell(s, 'p99_ms')} | {_bytes(s)} "
                f"| {_cell(s, 'daemon_cpu_ms_per_req')} | {_cell(s, 'peak_rss_mib')} | {s.note} |"
            )
        out.append("")
    return "\n".join(out)


def _row_key(s: Sample) -> tuple[int, int]:
    return (s.level, s.connections)
