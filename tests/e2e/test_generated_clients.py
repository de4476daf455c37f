"""Clients generated (openapi-python-client) from the served documents call the daemon.

Generated clients are what gateways and workflow engines build on, so operation ids,
schema names and shapes must be right for a generator, not only equal to a reference.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from e2e import harness

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
CASES = [
    ("v0.0.38,dbv0.0.38", None, "0_0_38"),
    ("slurmctld,slurmdbd", "v0.0.41", "0041"),
    ("slurmctld,slurmdbd,util", "v0.0.44", "0044"),
    ("slurmctld,slurmdbd,util", "v0.0.46", "0046"),
]

pytestmark = pytest.mark.skipif(
    not GENERATOR.exists(), reason="openapi-python-client is not installed (test extra)"
)


@pytest.fixture
def clients_dir(tmp_path):
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("client_v")]:
        del sys.modules[name]


def generate(spec: bytes, workdir: Path, package: str):
    (workdir / f"{package}.json").write_bytes(spec)
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(workdir / f"{package}.json"),
            "--output-path",
            str(workdir / package),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=workdir,
    )
    assert (workdir / package / "__init__.py").exists(), result.stdout + result.stderr
    return importlib.import_module(package)


@pytest.mark.parametrize(("plugins", "parser", "tag"), CASES)
def test_generated_client_calls_the_daemon(cluster, daemon_user, clients_dir, plugins, parser, tag):
    args = [*harness.privilege_args(daemon_user), "-f", str(cluster.conf), "-s", plugins]
    if parser:
        args += ["-d", parser]
    token = cluster.token("root")
    with harness.daemon_running([*args, "127.0.0.1:0"]) as daemon:
        base = f"http://127.0.0.1:{daemon.tcp_port()}"
        # The document a client generator reads is the one the daemon serves.
        status, _, spec = harness.request(
            harness.http.client.HTTPConnection("127.0.0.1", daemon.tcp_port(), timeout=10),
            "GET",
            "/openapi/v3",
            headers={"X-SLURM-USER-TOKEN": token},
        )
        assert status == 200
        package = f"client_v{tag}"
        client_pkg = generate(spec, clients_dir, package)
        client = client_pkg.Client(base_url=base, headers={"X-SLURM-USER-TOKEN": token})
        if parser is None:
            ping = importlib.import_module(f"{package}.api.default.slurm_v0_0_38_ping")
            answer = ping.sync(client=client)
            assert answer.pings[0].ping == "UP"
            assert answer.meta.plugin.type_ == "openapi/v0.0.38"
            return
        version = parser.removeprefix("v").replace(".", "")
        ping = importlib.import_module(f"{package}.api.default.slurm_v{version}_get_ping")
        answer = ping.sync(client=client)
        assert answer.errors == []
        assert answer.pings[0].hostname
        assert answer.meta.plugin.data_parser == f"data_parser/{parser}"
        if "util" in plugins:
            hostnames = importlib.import_module(
                f"{package}.api.default.util_v{version}_post_hostnames"
            )
            models = importlib.import_module(f"{package}.models")
            body_cls = getattr(models, f"V{version}OpenapiHostlistReqResp")
            result = hostnames.sync(client=client, body=body_cls(hostlist="n[1-3]"))
            assert list(result.hostnames) == ["n1", "n2", "n3"]
