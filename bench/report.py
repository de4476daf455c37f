"""Markdown tables from Samples: one table per endpoint.

Side by side (C daemon vs ours): one row per (jobs, connections), each metric
as "C / ours", plus ratios (ours/C) for throughput and daemon CPU. A daemon
that does not serve an endpoint shows "n/a" instead of numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from bench.measure import Sample
from bench.plan import ENDPOINTS

if TYPE_CHECKING:  # bench.soak imports this module's users; only the type is needed here
    from bench.soak import SoakResult

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


def _mib(kib: int | None) -> float | None:
    return kib / 1024 if kib is not None else None


def growth(value: float | None) -> str:
    return DASH if value is None else f"{value:+.1f} %"


def _soak_title(results: Sequence[SoakResult]) -> str:
    planned = "/".join(str(n) for n in sorted({r.planned for r in results}))
    return f"### Memory over {planned} mixed requests"


def _soak_jobs(*results: SoakResult | None) -> str:
    counts = sorted({r.jobs_start for r in results if r is not None and r.jobs_start is not None})
    return "/".join(str(c) for c in counts) or DASH


def _soak_values(r: SoakResult | None) -> dict[str, str]:
    if r is None:
        return dict.fromkeys(("requests", "rps", "start", "end", "growth", "peak", "errors"), DASH)
    return {
        "requests": str(r.requests),
        "rps": number(r.rps),
        "start": number(_mib(r.rss_start_kib)),
        "end": number(_mib(r.rss_end_kib)),
        "growth": growth(r.growth_pct),
        "peak": number(_mib(r.peak_rss_kib)),
        "errors": str(r.unexpected),
    }


def soak_comparison_table(
    results: Sequence[SoakResult], left: str = "c", right: str = "ours"
) -> str:
    """The memory soak of two daemons side by side ("C / ours"), with the ratio of
    their RSS at the end (below 1: ours smaller). Empty when neither soaked."""
    c = next((r for r in results if r.target == left), None)
    ours = next((r for r in results if r.target == right), None)
    if c is None and ours is None:
        return ""
    a, b = _soak_values(c), _soak_values(ours)
    end_ratio = ratio(*(_mib(r.rss_end_kib) if r else None for r in (ours, c)))
    notes = [f"{r.target}: {r.note}" for r in (c, ours) if r is not None and r.note]
    pairs = {k: f"{a[k]} / {b[k]}" for k in a}
    cells = [
        _soak_jobs(c, ours),
        *(pairs[k] for k in ("requests", "rps", "start", "end", "growth", "peak")),
        end_ratio,
        pairs["errors"],
        "; ".join(notes),
    ]
    return "\n".join(
        [
            _soak_title([r for r in (c, ours) if r is not None]),
            "",
            "| jobs | requests C / ours | req/s C / ours | RSS after warm-up MiB C / ours "
            "| RSS at end MiB C / ours | growth C / ours | peak RSS MiB C / ours "
            "| RSS at end ours/C | unexpected errors C / ours | notes |",
            "|---|---|---|---|---|---|---|---|---|---|",
            "| " + " | ".join(cells) + " |",
            "",
        ]
    )


def soak_single_table(results: Sequence[SoakResult], target: str) -> str:
    """The memory soak of a daemon measured alone (the embedded backend)."""
    mine = [r for r in results if r.target == target]
    if not mine:
        return ""
    out = [
        _soak_title(mine),
        "",
        "| jobs | requests | req/s | RSS after warm-up MiB | RSS at end MiB | growth "
        "| peak RSS MiB | unexpected errors | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in mine:
        v = _soak_values(r)
        out.append(f"| {_soak_jobs(r)} | " + " | ".join(v.values()) + f" | {r.note} |")
    out.append("")
    return "\n".join(out)
