"""The benchmark: seed scale data, serve it with gunicorn, load each page with wrk, count its queries, time
the reminder fan-out and the email delivery, and write a dated markdown table to bench/results/.

    bench/run --patients 100000 --logs-per-patient 20 --duration 10

The pages are data (`PAGES`); the jobs are `bench/fan_out.py` and `bench/delivery.py`, which also run alone.
"""

import argparse
import os
import platform
import runpy
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA_REPORT = ROOT / "bench" / "report.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
# The web server's workers, from the gunicorn.conf.py every gunicorn here reads (the image's included).
WORKERS = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))["workers"]
STAFF_CONNECTIONS = 2  # the admin pages: a few staff members at once, not a crowd

ANONYMOUS, PATIENT, PHYSIO, SUPERUSER = "anonymous", "patient", "physio", "superuser"
# The demo's superuser (seed_demo runs after seed_scale so the content pages have articles and exercises).
SUPERUSER_EMAIL = "admin@example.com"


@dataclass(frozen=True)
class Page:
    label: str
    path: str | Callable[[], str]  # a callable is resolved after seeding
    who: str
    # wrk connections; None: --connections. The admin pages use one per worker: a few staff members, not a
    # crowd, so their p95 is the time a physio waits rather than the queue behind 16 clients on 2 workers.
    connections: int | None = None
    # Which gunicorn serves it: the portal, the portal with an always-empty page cache (every request a miss),
    # or the bare one-module hello-world (bench/bare_hello.py). All three run with the same gunicorn settings.
    server: str = "portal"


def _admin(path: str) -> Callable[[], str]:
    def resolve() -> str:
        from django.conf import settings

        return f"/{settings.ADMIN_URL}{path}"

    return resolve


def first_published_article() -> str:
    from articles.models import Article

    return Article.objects.published().order_by("pk").first().get_absolute_url()


PORTAL, COLD, BARE = "portal", "cold", "bare"
REFERENCE, IN_PROJECT_HELLO, FLOOR = "bare-hello-world", "hello-world", "logged-in-floor"


def bench_patients_handout() -> str:
    from bench.seed_scale import BENCH_PATIENT_EMAIL
    from programs.models import Program

    program = Program.objects.filter(patient__user__email=BENCH_PATIENT_EMAIL, status=Program.Status.ACTIVE).get()
    return f"/my/programs/{program.pk}/handout.pdf"


# The pages measured, in table order. The two hello-worlds and the floor are references and always run; every
# ratio is to the bare one.
PAGES = [
    Page(REFERENCE, "/bench/hello/", ANONYMOUS, server=BARE),
    Page(IN_PROJECT_HELLO, "/bench/hello/", ANONYMOUS),
    # A login_required view returning the bytes of the patient's /my/: what any logged-in page costs.
    Page(FLOOR, "/bench/floor/", PATIENT),
    Page("home", "/", ANONYMOUS),
    Page("login", "/accounts/login/", ANONYMOUS),
    Page("articles", "/articles/", ANONYMOUS),
    Page("article", first_published_article, ANONYMOUS),
    Page("exercises", "/exercises/", ANONYMOUS),
    Page("my", "/my/", PATIENT),
    Page("my (miss)", "/my/", PATIENT, server=COLD),
    Page("my-progress", "/my/progress/", PATIENT),
    Page("my-progress (miss)", "/my/progress/", PATIENT, server=COLD),
    # The PDF of an unchanged programme (the query probe's requests render it first if it is not stored yet).
    Page("handout", bench_patients_handout, PATIENT),
    Page("admin-patients", _admin("portal/patient/"), PHYSIO, STAFF_CONNECTIONS),
    Page("admin-programs", _admin("programs/program/"), PHYSIO, STAFF_CONNECTIONS),
    Page("admin-sessionlogs", _admin("patients/sessionlog/"), PHYSIO, STAFF_CONNECTIONS),
    Page("admin-alerts", _admin("patients/alert/"), PHYSIO, STAFF_CONNECTIONS),
    Page("admin-articles", _admin("articles/article/"), PHYSIO, STAFF_CONNECTIONS),
    # A superuser's outbox is unscoped: every clinic's rows, the largest list.
    Page("admin-outbox", _admin("portal/outboundemail/"), SUPERUSER, STAFF_CONNECTIONS),
]


@dataclass
class Result:
    page: Page
    path: str
    status: int | None = None
    queries: int | None = None
    requests_per_s: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0


# --- Setup -----------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: run `sudo apt-get install -y wrk`.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True)
    return shutil.which("wrk") or sys.exit("wrk could not be installed")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database if it is not there, so a fresh clone needs no manual step."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def session_for(email: str) -> dict[str, str]:
    """The cookies of a logged-in browser: a session made with the session engine (no login form, no
    django-axes, no password hashing) and the CSRF cookie a browser keeps after its first page."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    user = get_user_model().objects.filter(email=email).first()
    if user is None:
        sys.exit(f"{email} is not in the database: run without --skip-seed.")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # portal.backends
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    csrf_secret = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
    return {settings.SESSION_COOKIE_NAME: store.session_key, settings.CSRF_COOKIE_NAME: csrf_secret}


def cookie_header(cookies: dict[str, str] | None) -> str:
    return "; ".join(f"{name}={value}" for name, value in (cookies or {}).items())


def count_queries(path: str, cookies: dict[str, str] | None, *, cold: bool = False) -> tuple[int, int]:
    """(status, queries) of one request after a warm-up request, through the Django test client; `cold`: with an
    always-empty page cache, as the cold server runs."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    for name, value in (cookies or {}).items():
        client.cookies[name] = value
    from django.conf import settings

    # As the cold server runs (bench/settings.py, BENCH_COLD_CACHE): a cache namespace that keeps nothing.
    empty = {"PAGE_CACHE_TIMEOUT": 0, "CACHES": {"default": {**settings.CACHES["default"], "KEY_PREFIX": "cold"}}}
    with override_settings(**empty if cold else {}):
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
    return response.status_code, len(queries)


def write_floor(cookies: dict[str, str]) -> Path:
    """The bytes of the patient's /my/, for the floor page (bench/urls.py) to return."""
    from django.test import Client

    client = Client()
    for name, value in cookies.items():
        client.cookies[name] = value
    path = Path(tempfile.gettempdir()) / "bench-floor.html"
    path.write_bytes(client.get("/my/").content)
    return path


# --- Load ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, log: Path, server: str = PORTAL) -> subprocess.Popen:
    """One gunicorn, with the same settings for each server: the portal (warm or cold) or the bare hello-world."""
    app = "bench.bare_hello:application" if server == BARE else "portal.wsgi:application"
    command = [sys.executable, "-m", "gunicorn", app]  # its settings: gunicorn.conf.py, read from ROOT
    command += [f"--bind=127.0.0.1:{port}", f"--error-logfile={log}", "--log-level=warning"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    if server == COLD:
        env["BENCH_COLD_CACHE"] = "1"
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/hello/", timeout=10).read()  # noqa: S310
            return process
        except OSError:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    stop(process)
    sys.exit(f"gunicorn did not answer within 60 s; see {log}")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def run_wrk(wrk: str, url: str, cookies: dict[str, str] | None, duration: int, connections: int) -> dict[str, float]:

    command = [wrk, f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration}s", "--latency"]
    command += ["-s", str(LUA_REPORT)]
    if cookies:
        command += ["-H", f"Cookie: {cookie_header(cookies)}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> dict[str, float]:
    """The figures from bench/report.lua's last line: `BENCH requests=… seconds=… p50=… …` (latencies in µs)."""
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return {key: float(value) for key, value in (pair.split("=") for pair in line.split()[1:])}


def warm_up(url: str, cookies: dict[str, str] | None) -> None:

    headers = {"Cookie": cookie_header(cookies)} if cookies else {}
    for _ in range(2 * WORKERS):
        urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10).read()  # noqa: S310


def measure(results: list[Result], wrk: str, args, sessions: dict[str, str | None]) -> None:
    """Each server in turn (one at a time, so they never share the CPUs), its pages one after another."""
    for server in (BARE, PORTAL, COLD):
        mine = [result for result in results if result.page.server == server and result.status == 200]
        if not mine:
            continue
        port = free_port()
        log = Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.log"
        process = start_gunicorn(port, log, server)
        try:
            for result in mine:
                url, cookies = f"http://127.0.0.1:{port}{result.path}", sessions[result.page.who]
                connections = result.page.connections or args.connections
                if args.warmup:
                    run_wrk(wrk, url, cookies, args.warmup, connections)
                else:
                    warm_up(url, cookies)
                figures = run_wrk(wrk, url, cookies, args.duration, connections)
                result.requests_per_s = figures["requests"] / figures["seconds"]
                result.p50_ms, result.p95_ms, result.p99_ms = (figures[f"p{p}"] / 1000 for p in (50, 95, 99))
                result.errors = int(figures["errors"])
        finally:
            stop(process)


def measure_peak(args, sessions: dict[str, str | None]) -> str:
    """The open-loop evening peak (bench/peak.py) against a fresh portal server, as markdown."""
    from bench import peak

    port = free_port()
    process = start_gunicorn(port, Path(tempfile.gettempdir()) / f"bench-gunicorn-{port}.log")
    try:
        result = peak.run(f"http://127.0.0.1:{port}", sessions, duration=args.peak_duration, scale=args.peak_scale)
    finally:
        stop(process)
    offered = result["rows"][-1]["target"]  # the total, with the pages a browser opens after each accepted form
    title = f"## Evening peak: {offered:,.1f} req/s offered (scale {args.peak_scale:g}), {args.peak_duration} s"
    return f"{title}\n\n{result['markdown']}"


def measure_jobs(args) -> list[tuple[str, str, float | None, float | None, str]]:
    """The background work: (job, size, seconds, per second, note) for the reminder fan-out and delivery."""
    from bench import delivery, fan_out

    jobs = []
    if args.fan_out_patients:
        result = fan_out.run(args.fan_out_patients)
        (queued, seconds), (again, seconds_again) = result["runs"]
        note = f"{result['broker_messages']:,} broker messages ({result['batch_size']:,} patients each)"
        jobs.append(("reminder fan-out", f"{queued:,} reminders queued", seconds, queued / seconds, note))
        jobs.append(
            ("reminder fan-out again", f"{again:,} reminders queued", seconds_again, None, "all queued already")
        )
    if args.emails:
        result = delivery.run(args.emails)
        size = f"{result['accepted']:,} of {args.emails:,} emails"
        raw = ", ".join(_figure(rate, 0) for rate in result["raw_rates"])
        note = (
            f"one solo worker to aiosmtpd; worker peak memory {result['peak_mb']:.0f} MB; "
            f"**{_figure(result['ratio'], 2)}× the raw SMTP limit** ({raw} emails/s before and after)"
        )
        jobs.append(("email delivery", size, result["seconds"], result["rate"], note))
        note = "Django's SMTP backend, prebuilt copies of the same email, one connection, a process of its own"
        jobs.append(("raw SMTP limit (mean)", f"{args.emails:,} emails, twice", None, result["raw_rate"], note))
    return jobs


# --- Report ----------------------------------------------------------------------------------------------


def _figure(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


# The targets of the performance issues, as (what, page, reference page, at least): ratios of req/s in one run.
TARGETS = [
    ("article page", "article", REFERENCE, 0.5),
    ("article list", "articles", REFERENCE, 0.4),
    ("exercise library", "exercises", REFERENCE, 0.4),
    ("/my/, a hit", "my", REFERENCE, 0.25),
    ("/my/, a hit, against the logged-in floor", "my", FLOOR, 0.85),
    ("/my/, a miss", "my (miss)", REFERENCE, 0.08),
    ("/my/progress/, a miss", "my-progress (miss)", REFERENCE, 0.08),
]
# And as latencies: (what, page, p95 under this many ms).
LATENCY_TARGETS = [("an unchanged handout", "handout", 50)]


def _rate(results: list[Result], label: str) -> float | None:
    found = next((r for r in results if r.page.label == label and r.status == 200), None)
    return found.requests_per_s if found else None


def render(results: list[Result], jobs: list[tuple], meta: dict[str, str], connections: int) -> str:
    bare, hello = _rate(results, REFERENCE), _rate(results, IN_PROJECT_HELLO)
    lines = [f"# Benchmark {meta['date']}", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items() if key != "date"]
    columns = "page | path | as | server | connections | req/s | p50 ms | p95 ms | p99 ms | queries/request"
    lines += ["", f"| {columns} | × bare hello-world | × hello-world | errors |"]
    lines.append("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cells = [r.page.label, f"`{r.path}`", r.page.who, r.page.server, str(r.page.connections or connections)]
        if r.status != 200:
            cells += [f"status {r.status}"] + ["–"] * 7
        else:
            cells += [_figure(r.requests_per_s, 0), _figure(r.p50_ms, 1), _figure(r.p95_ms, 1), _figure(r.p99_ms, 1)]
            cells += [str(r.queries)]
            cells += [_figure(r.requests_per_s / bare if bare else None, 3)]
            cells += [_figure(r.requests_per_s / hello if hello else None, 3), str(r.errors)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| target | ratio | at least | met |", "|---|---:|---:|---|"]
    for what, label, reference, goal in TARGETS:
        page, base = _rate(results, label), _rate(results, reference)
        if page is None or not base:
            continue
        ratio = page / base
        lines.append(f"| {what} (× {reference}) | {ratio:.3f} | {goal} | {'yes' if ratio >= goal else 'no'} |")
    for what, label, limit in LATENCY_TARGETS:
        found = next((r for r in results if r.page.label == label and r.status == 200), None)
        if found:
            met = "yes" if found.p95_ms < limit else "no"
            lines.append(f"| {what}: p95 {found.p95_ms:.1f} ms | – | < {limit} ms | {met} |")
    lines += ["", "| job | size | seconds | per second | note |", "|---|---|---:|---:|---|"]
    for job, size, seconds, rate, note in jobs:
        lines.append(f"| {job} | {size} | {_figure(seconds, 1)} | {_figure(rate, 0)} | {note} |")
    return "\n".join(lines) + "\n"


def _commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (" (with local changes)" if git("status", "--porcelain") else "")


# --- Main ------------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clinics", type=int, default=50)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--logs-per-patient", type=int, default=20)
    parser.add_argument("--skip-seed", action="store_true", help="Reuse the scale data already in the database.")
    parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk load per page.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of wrk warm-up per page (0: a few requests).")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--pages", help="Comma-separated labels to measure (the references always run).")
    parser.add_argument(
        "--fan-out-patients", type=int, help="Due patients for the reminder fan-out (default: --patients)."
    )
    parser.add_argument("--emails", type=int, default=2000, help="Emails for the delivery rate (0: skip).")
    parser.add_argument("--peak-duration", type=int, default=60, help="Seconds of the evening peak (0: skip).")
    parser.add_argument("--peak-scale", type=float, default=1.0, help="The peak rates × this (1: ten times the hour).")
    parser.add_argument("--output", type=Path, help="Results file (default: bench/results/YYYY-MM-DD-HHMM.md).")
    args = parser.parse_args(argv)
    if args.fan_out_patients is None:
        args.fan_out_patients = args.patients
    known = {page.label for page in PAGES}
    references = {REFERENCE, IN_PROJECT_HELLO, FLOOR}
    args.pages = set(args.pages.split(",")) | references if args.pages else known
    if args.pages - known:
        parser.error(f"unknown pages {sorted(args.pages - known)}; known: {sorted(known)}")
    return args


def main(argv: list[str] | None = None) -> Path:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    wrk = ensure_wrk()
    ensure_database(os.environ["DATABASE_URL"])

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed_seconds = None
    if not args.skip_seed:
        started = time.monotonic()
        sizes = {"clinics": args.clinics, "patients": args.patients, "logs_per_patient": args.logs_per_patient}
        from bench import seed_scale

        call_command(seed_scale.Command(), reset=True, **sizes)
        call_command("seed_demo", force=True, verbosity=0)
        seed_seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        # The steady state autovacuum keeps: fresh planner statistics and no dead rows, whether the data is
        # new or was churned by an earlier run (its fan-out and peak patients are removed when they are done).
        cursor.execute("VACUUM ANALYZE")

    from bench.seed_scale import BENCH_PATIENT_EMAIL, BENCH_PHYSIO_EMAIL

    sessions = {
        ANONYMOUS: None,
        PATIENT: session_for(BENCH_PATIENT_EMAIL),
        PHYSIO: session_for(BENCH_PHYSIO_EMAIL),
        SUPERUSER: session_for(SUPERUSER_EMAIL),
    }
    os.environ["BENCH_FLOOR_FILE"] = str(write_floor(sessions[PATIENT]))  # for this process and the servers
    results = []
    for page in PAGES:
        if page.label not in args.pages:
            continue
        result = Result(page, page.path() if callable(page.path) else page.path)
        if page.server == BARE:  # not the portal: nothing to ask the test client
            result.status, result.queries = 200, 0
        else:
            result.status, result.queries = count_queries(result.path, sessions[page.who], cold=page.server == COLD)
        results.append(result)
    measure(results, wrk, args, sessions)
    jobs = measure_jobs(args)
    peak = measure_peak(args, sessions) if args.peak_duration else ""

    now = datetime.now(UTC)
    meta = {
        "date": f"{now:%Y-%m-%d %H:%M} UTC",
        "commit": _commit(),
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}",
        "data": f"{args.clinics} clinics, {args.patients:,} patients, {args.logs_per_patient} logs per patient"
        if seed_seconds is not None
        else "reused (--skip-seed)",
        "seed time (with --reset of earlier scale data)": f"{seed_seconds:.0f} s" if seed_seconds is not None else "–",
        "load": f"gunicorn {WORKERS} sync workers; wrk {args.connections} connections ({STAFF_CONNECTIONS} for the "
        f"admin pages), {args.duration} s per page after {args.warmup} s warm-up",
        "command": "bench/run " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    table = render(results, jobs, meta, args.connections) + (f"\n{peak}" if peak else "")
    output = args.output or RESULTS / f"{now:%Y-%m-%d-%H%M}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table)
    print(table)
    print(f"written to {output}")
    return output


if __name__ == "__main__":
    main()
