"""Build the OpenAPI documents shipped in src/slurmrestd/api/specs/ from the reference captures.

Run by hand when the references change; the output is committed:

    /work/venv/bin/python tools/build_specs.py [--reference DIR] [--check]

What it owns: turning upstream's documents into prose-free data files, one per servable unit.
It does not know how the daemon merges or routes them (that is slurmrestd.api.openapi).

Normalisation is upstream's comparison rule (testsuite/python/lib/atf.py,
assert_openapi_spec_eq): drop `description`, `tags`, `info.version`, `info.x-slurm`. One
refinement: inside a schema's `properties` map the keys are field names, not annotations, so a
field called `description` (account, qos, error ...) is kept with its own prose stripped.
Dropping it would leave `required: ["description", ...]` pointing at nothing and cost generated
clients a real field; the atf comparison ignores it either way.

Output files:
  v0.0.38.json, dbv0.0.38.json  split out of the 22.05.8 runtime document (the daemon's own
                                /openapi/v3 with -s v0.0.38,dbv0.0.38); see _split_runtime.
  v0.0.40.json ... v0.0.46.json one whole document per data parser; the daemon filters the
                                slurmctld / slurmdbd / util parts at load time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = REPO / ".." / "shared" / "reference" / "openapi"
OUTPUT = REPO / "src" / "slurmrestd" / "api" / "specs"

RUNTIME_2205 = "v0.0.38+dbv0.0.38.runtime-22.05.8.json"
# The static plugin file: only its frame is used (see _split_runtime).
STATIC_DBV0038 = "dbv0.0.38.json"
PARSER_VERSIONS = tuple(f"v0.0.4{minor}" for minor in range(7))
SCHEMA_REF = "#/components/schemas/"
# 22.05 copies these into every plugin's document; the runtime merge keeps one copy.
SPEC_PATHS = frozenset({"/openapi", "/openapi.json", "/openapi.yaml", "/openapi/v3"})

Json = Any


def normalise(node: Json, parent_key: str | None = None) -> Json:
    """Return `node` without descriptions and tags (field names under `properties` survive)."""
    if isinstance(node, list):
        return [normalise(item) for item in node]
    if not isinstance(node, dict):
        return node
    field_names = parent_key == "properties"
    return {
        key: normalise(value, key)
        for key, value in node.items()
        if field_names or key not in ("description", "tags")
    }


def normalise_document(document: Json) -> Json:
    """Normalise a whole document: also drop the release-specific info fields."""
    result = normalise(document)
    info = result.get("info", {})
    info.pop("version", None)
    info.pop("x-slurm", None)
    return result


def iter_refs(node: Json) -> Iterator[str]:
    """Yield every $ref string below `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from iter_refs(item)


def reachable_schemas(roots: Iterable[Json], schemas: dict[str, Json]) -> set[str]:
    """Names of the component schemas reachable from `roots` through $ref, transitively."""
    pending = [ref for root in roots for ref in iter_refs(root)]
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if not ref.startswith(SCHEMA_REF):
            raise ValueError(f"unsupported $ref {ref!r}: only component schemas are expected")
        name = ref.removeprefix(SCHEMA_REF)
        if name in seen:
            continue
        if name not in schemas:
            raise ValueError(f"dangling $ref {ref!r}")
        seen.add(name)
        pending.extend(iter_refs(schemas[name]))
    return seen


def _part(
    frame: Json, paths: dict[str, Json], all_schemas: dict[str, Json], extra: Iterable[str]
) -> Json:
    names = reachable_schemas(paths.values(), all_schemas) | set(extra)
    document = {key: value for key, value in frame.items() if key != "paths"}
    document["components"] = {
        **frame["components"],
        "schemas": {name: all_schemas[name] for name in sorted(names)},
    }
    document["paths"] = paths
    return document


def _split_runtime(reference: Path) -> dict[str, Json]:
    """Split the 22.05.8 runtime document into its v0.0.38 and dbv0.0.38 parts.

    Each part gets its own plugin paths, the /openapi* paths (every 22.05 plugin document
    carries them, the runtime merge keeps one identical copy), the schemas reachable from its
    paths (dbv0.0.38 reaches v0.0.38_meta, so both carry it) and the unreachable schemas
    with its own name prefix (dbv0.0.38_meta is referenced by nothing). The v0.0.38 part takes
    the runtime frame: 22.05 builds the merged frame from the first loaded plugin, v0.0.38
    here. The dbv0.0.38 part takes the frame of the static dbv0.0.38 document (openapi 3.0.3,
    security `user` OR `token`), which is what that plugin contributes when it is first or
    alone; its servers are "/" because paths are stored absolute.
    """
    runtime = normalise_document(orjson.loads((reference / RUNTIME_2205).read_bytes()))
    static_db = normalise_document(orjson.loads((reference / STATIC_DBV0038).read_bytes()))
    schemas: dict[str, Json] = runtime["components"]["schemas"]
    frame = {key: value for key, value in runtime.items() if key != "paths"}
    frame["components"] = {k: v for k, v in runtime["components"].items() if k != "schemas"}

    if static_db["info"] != frame["info"]:
        raise ValueError("static dbv0.0.38 info differs from the runtime info")
    db_frame = {**frame, "openapi": static_db["openapi"], "security": static_db["security"]}
    db_frame["components"] = {"securitySchemes": static_db["components"]["securitySchemes"]}

    spec_paths = {p: item for p, item in runtime["paths"].items() if p in SPEC_PATHS}
    parts = {}
    for name, prefix, part_frame in (
        ("v0.0.38", "/slurm/v0.0.38/", frame),
        ("dbv0.0.38", "/slurmdb/v0.0.38/", db_frame),
    ):
        own = {p: item for p, item in runtime["paths"].items() if p.startswith(prefix)}
        unreferenced = (s for s in schemas if s.startswith(f"{name}_"))
        parts[name] = _part(part_frame, own | spec_paths, schemas, unreferenced)

    covered = set().union(*(p["paths"] for p in parts.values()))
    if covered != set(runtime["paths"]):
        raise ValueError(f"runtime paths in no part: {sorted(set(runtime['paths']) - covered)}")
    merged = {**parts["v0.0.38"], "paths": {}, "components": dict(frame["components"])}
    merged["components"]["schemas"] = {}
    for part in parts.values():
        merged["paths"] |= part["paths"]
        merged["components"]["schemas"] |= part["components"]["schemas"]
    if merged != runtime:
        raise ValueError("the v0.0.38 and dbv0.0.38 parts do not merge back into the runtime doc")
    return parts


def _parser_document(reference: Path, version: str) -> Json:
    document = normalise_document(orjson.loads((reference / f"{version}.json").read_bytes()))
    roots = {f"/{root}/{version}/" for root in ("slurm", "slurmdb", "util")}
    stray = [p for p in document["paths"] if not any(p.startswith(r) for r in roots)]
    if stray:
        raise ValueError(f"{version}: paths outside /slurm, /slurmdb, /util: {stray}")
    schemas = document["components"]["schemas"]
    if reachable_schemas(document["paths"].values(), schemas) != set(schemas):
        raise ValueError(f"{version}: unreachable schemas would be lost by plugin filtering")
    return document


def _check_prose_free(name: str, node: Json, parent_key: str | None = None) -> None:
    if isinstance(node, list):
        for item in node:
            _check_prose_free(name, item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if parent_key != "properties" and key in ("description", "tags"):
                raise ValueError(f"{name}: {key!r} survived normalisation")
            _check_prose_free(name, value, key)


def build(reference: Path) -> dict[str, bytes]:
    """Return {file name: compact sorted JSON} for every shipped spec file."""
    documents = {f"{name}.json": doc for name, doc in _split_runtime(reference).items()}
    for version in PARSER_VERSIONS:
        documents[f"{version}.json"] = _parser_document(reference, version)
    for name, document in documents.items():
        _check_prose_free(name, document)
    return {name: orjson.dumps(doc, option=orjson.OPT_SORT_KEYS) for name, doc in documents.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files, write nothing"
    )
    args = parser.parse_args(argv)

    files = build(args.reference)
    stale = sorted(
        name
        for name, data in files.items()
        if not (args.output / name).is_file() or (args.output / name).read_bytes() != data
    )
    # A JSON file we no longer build (say a dropped version) must not linger as package data.
    extra = sorted(p.name for p in args.output.glob("*.json") if p.name not in files)
    if args.check:
        for name in stale:
            print(f"stale: {name}", file=sys.stderr)
        for name in extra:
            print(f"not built: {name}", file=sys.stderr)
        return 1 if stale or extra else 0
    args.output.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.output / name).write_bytes(files[name])
    for name in extra:
        (args.output / name).unlink()
    total = sum(len(data) for data in files.values())
    print(f"{len(files)} files, {total} bytes, {len(stale)} rewritten in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
