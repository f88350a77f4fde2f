"""The evening peak's generator against a real (tiny, slow) asyncio HTTP server: open loop, on schedule."""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor

from bench import peak

SLOW = 0.3  # seconds the server takes per request: far more than the gap between arrivals


async def _serve_slowly(status: bytes, arrivals: list[float]):
    loop = asyncio.get_running_loop()

    async def handle(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        await reader.readexactly(length)
        arrivals.append(loop.time())
        await asyncio.sleep(SLOW)
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def run_in_own_loop(scenario):
    """asyncio.run in a thread of its own: a browser test in the same process (Playwright's sync API) may have
    left an event loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def _planned(kind: peak.Kind, duration: float, body: bytes | None = None) -> list[peak.Planned]:
    planned = peak.schedule([kind], duration)
    for request in planned:
        request.path, request.body = "/", body
    return planned


def test_requests_leave_on_schedule_while_a_slow_server_has_not_answered():
    kind = peak.Kind("page", "GET", "/", peak.ANONYMOUS, rate=100)
    planned = _planned(kind, 1.0)
    arrivals: list[float] = []

    async def scenario():
        server, url = await _serve_slowly(b"200 OK", arrivals)
        async with server:
            return await peak.drive(url, planned)

    load = run_in_own_loop(scenario)

    stats = load.stats["page"]
    assert len(arrivals) == len(stats.latencies) == len(planned) > 60
    # Closed loop on one connection would need len(planned) x SLOW = 30 s; open loop sends them all within ~1 s.
    assert max(arrivals) - min(arrivals) < 1.5
    assert load.peak_in_flight > 10
    assert stats.errors == 0
    assert min(stats.latencies) >= SLOW * 1000 * 0.9


def test_a_form_shown_again_instead_of_the_redirect_is_an_error():
    kind = peak.Kind("form", "POST", "/", peak.PATIENT, rate=20, expect=302)
    planned = _planned(kind, 0.5, body=b"token=1")

    async def scenario():
        server, url = await _serve_slowly(b"200 OK", [])
        async with server:
            return await peak.drive(url, planned)

    stats = run_in_own_loop(scenario).stats["form"]

    assert stats.statuses == {200: len(planned)}
    assert stats.errors == len(planned) > 0


def test_the_schedule_keeps_each_rate_and_repeats_with_the_seed():
    kinds = [peak.Kind("a", "GET", "/", peak.ANONYMOUS, rate=50), peak.Kind("b", "GET", "/", peak.ANONYMOUS, rate=5)]

    first, again = peak.schedule(kinds, 200), peak.schedule(kinds, 200)

    counts = {label: sum(p.kind.label == label for p in first) for label in ("a", "b")}
    assert counts == {"a": 50 * 200, "b": 5 * 200}
    times = [p.at for p in first if p.kind.label == "a"]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert 0.015 < sum(gaps) / len(gaps) < 0.025 and max(gaps) > 5 * min(gaps)  # random spacing, not a metronome
    assert [(p.at, p.kind.label) for p in first] == [(p.at, p.kind.label) for p in again]
    assert all(a.at <= b.at for a, b in zip(first, first[1:], strict=False))
    assert peak.arrivals(0, 10, random.Random(1)) == []
