"""The running daemon serves, per version, upstream's OpenAPI document (after normalisation).

Each case starts the daemon with the -s/-d the reference was generated with, fetches
/openapi/v3 over a UNIX socket and compares it with the reference file, both normalised
the way upstream's own test suite does (drop every `description`, `tags`,
`info.version`, `info.x-slurm`).
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from e2e import harness

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "openapi"
CASES = [
    ("v0.0.38,dbv0.0.38", None, "v0.0.38+dbv0.0.38.runtime-22.05.8.json"),
    *(("slurmctld,slurmdbd", f"v0.0.4{m}", f"v0.0.4{m}.json") for m in range(4)),
    *(("slurmctld,slurmdbd,util", f"v0.0.4{m}", f"v0.0.4{m}.json") for m in (4, 5, 6)),
]


def normalise(node, top=True):
    if isinstance(node, list):
        return [normalise(item, False) for item in node]
    if not isinstance(node, dict):
        return node
    result = {k: normalise(v, False) for k, v in node.items() if k not in ("description", "tags")}
    if top and "info" in result:
        result["info"] = {
            k: v for k, v in result["info"].items() if k not in ("version", "x-slurm")
        }
    return result


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"reference documents not at {REFERENCE}")
@pytest.mark.parametrize(("plugins", "parsers", "reference"), CASES)
def test_served_document_equals_reference(rundir, daemon_user, plugins, parsers, reference):
    sock = str(rundir / "doc.sock")
    args = [*harness.privilege_args(daemon_user), "-a", "rest_auth/local", "-s", plugins]
    if parsers:
        args += ["-d", parsers]
    with harness.daemon_running([*args, f"unix:{sock}"]):
        status, headers, body = harness.request(
            harness.UnixHTTPConnection(sock), "GET", "/openapi/v3"
        )
    assert status == 200 and headers["content-type"] == "application/json"
    served = orjson.loads(body)
    expected = orjson.loads((REFERENCE / reference).read_bytes())
    assert served["info"]["version"]  # valid OpenAPI: our own version string is present
    assert normalise(served) == normalise(expected)
