from bench import submitter
from bench.tests.local_server import serving


def test_exactly_count_posts_with_body_and_headers():
    with serving() as (url, seen):
        result = submitter.post_many(
            url,
            "/submit",
            body=b'{"job": 1}',
            headers={"Content-Type": "application/json", "X-T": "v"},
            connections=4,
            count=37,
        )
    assert result.requests == 37 and len(seen.requests) == 37
    method, path, headers, body = seen.requests[-1]
    assert (method, path, body, headers["X-T"]) == ("POST", "/submit", b'{"job": 1}', "v")
    assert result.status_errors == result.socket_errors == 0
    assert result.p50_ms is not None and result.p50_ms <= result.p99_ms
    assert result.duration_s > 0 and result.rps > 0


def test_error_answers_are_counted():
    with serving() as (url, seen):
        seen.status = 500
        result = submitter.post_many(url, "/", body=b"x", headers={}, connections=2, count=5)
    assert result.status_errors == 5


def test_refused_connections_are_socket_errors():
    with serving() as (url, _):
        pass  # closed again: nothing listens on the port any more
    result = submitter.post_many(url, "/", body=b"x", headers={}, connections=1, count=3)
    assert result.requests == 0 and result.socket_errors == 3 and result.p50_ms is None


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert submitter.percentile(values, 0.50) == 50.0
    assert submitter.percentile(values, 0.99) == 99.0
    assert submitter.percentile([7.0], 0.99) == 7.0
    assert submitter.percentile([], 0.5) is None
