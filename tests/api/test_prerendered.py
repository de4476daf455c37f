"""Records rendered once per version: JSON bytes reused while a record is unchanged."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from dataclasses import dataclass, replace

import orjson
import yaml

from slurmrestd.api.mime import Format
from slurmrestd.api.prerendered import JsonArray, RenderCache
from slurmrestd.api.serialize import dump


@dataclass(frozen=True)
class Rec:
    id: int
    name: str


class CountingRender:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, rec: Rec) -> dict[str, object]:
        self.calls.append(rec.id)
        return {"id": rec.id, "name": rec.name}


def _cache() -> tuple[RenderCache[Rec], CountingRender]:
    render = CountingRender()
    return RenderCache(render, lambda r: r.id), render


def test_array_is_the_records_rendered_in_order() -> None:
    cache, _ = _cache()
    recs = [Rec(2, "b"), Rec(1, "a")]
    assert orjson.loads(cache.array(recs).data) == [{"id": 2, "name": "b"}, {"id": 1, "name": "a"}]
    assert cache.array([]).data == b"[]"


def test_unchanged_records_are_rendered_once() -> None:
    cache, render = _cache()
    recs = [Rec(i, "x") for i in range(5)]
    cache.array(recs)
    cache.array(list(recs))  # same objects, a new list
    cache.array([replace(r) for r in recs])  # equal objects: a fresh read of unchanged records
    assert render.calls == [0, 1, 2, 3, 4]


def test_a_changed_record_is_rendered_again() -> None:
    cache, render = _cache()
    recs = [Rec(1, "old"), Rec(2, "same")]
    cache.array(recs)
    changed = [Rec(1, "new"), recs[1]]
    assert orjson.loads(cache.array(changed).data)[0]["name"] == "new"
    assert render.calls == [1, 2, 1]


def test_records_that_left_are_forgotten() -> None:
    cache, _ = _cache()
    cache.array([Rec(i, "x") for i in range(3000)])
    assert len(cache) == 3000
    cache.array([Rec(1, "x")])
    assert len(cache) == 1


def test_json_splices_the_array_and_yaml_decodes_it() -> None:
    array = JsonArray(b'[{"a":1},{"b":[2,3]}]')
    document = {"meta": {"x": 1}, "jobs": array, "tail": "t"}
    assert orjson.loads(dump(document, Format.JSON)) == {
        "meta": {"x": 1},
        "jobs": [{"a": 1}, {"b": [2, 3]}],
        "tail": "t",
    }
    assert yaml.safe_load(dump(document, Format.YAML)) == orjson.loads(dump(document, Format.JSON))


def test_kept_record_bytes_cost_their_size_not_the_serializer_buffer() -> None:
    # orjson hands back its grown write buffer: a 2 KB record held 8-16 KB, so a
    # few thousand cached jobs cost tens of MB. The cache keeps exact-size copies.
    cache = RenderCache(lambda r: {"id": r.id, "name": r.name}, lambda r: r.id)
    recs = [Rec(i, "x" * 2000) for i in range(300)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        cache.array(recs)  # kept: one copy per record, and the joined listing
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    payload = sum(len(cache.record(r)) for r in recs)
    assert kept < 2.5 * payload, (kept, payload)


def test_an_equal_newer_record_replaces_the_kept_one() -> None:
    # A fresh read brings equal records every poll; keeping the first ones alive
    # would keep every old snapshot's records too.
    cache, render = _cache()
    old = Rec(1, "a")
    cache.array([old])
    gone = weakref.ref(old)
    new = Rec(1, "a")
    assert cache.array([new]).data == b'[{"id":1,"name":"a"}]'
    del old
    gc.collect()
    assert gone() is None
    assert render.calls == [1]  # rendered once: the bytes were reused
