"""An evening peak (issue 20, item 5): an open-loop load of the mix a 100k-patient network sends in its busiest
hour, times ten, against gunicorn on the scale data, while the reminder fan-out runs.

    .venv/bin/python -m bench.peak --duration 60     # starts its own gunicorn on bench.settings

`run()` is the part `bench/run` can call with a server it started. Open loop: every request type has a fixed
arrival rate and each request is sent at its scheduled time (random, Poisson-like, fixed seed) on a new
connection, whether or not earlier ones have been answered. gunicorn's sync workers close every connection
anyway, so there is no pool to wait for; latency is still measured from the *scheduled* time, so any delay
in the generator itself (a busy event loop) counts against the server rather than hiding (coordinated
omission). The generator is one asyncio process on raw streams, so its own cost stays small on a machine
it shares with gunicorn, PostgreSQL and Redis; the table reports its CPU and how late it sent.
"""

import argparse
import asyncio
import itertools
import math
import multiprocessing
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent

# --- The mix ---------------------------------------------------------------------------------------------
# Each number's source on its right. "Assumption" marks a guess nobody has measured yet: change it here.
PATIENTS = 100_000  # issue 20: a 100k-patient network; bench/seed_scale.py seeds exactly this many
IN_CARE = 0.625  # seed_scale.seed_patients: starts spread over a year, half of those older than 90 days
#                  discharged: 1 - (274/365) x 0.5 = 0.62 still in care
DAILY_ACTIVE = 0.5  # assumption: share of patients in care who open the portal on a given day; 24.5% of 139
#                     physiotherapy patients kept to their home programme in Okezue et al. 2019 (Clinical
#                     Health Promotion 9(1)), so half of them every day is the generous end
MY_OPENS = 3  # assumption: opens of /my/ per active patient per day: the first (the day's cache miss), then
#               two repeats (before the session, from the reminder email)
SESSIONS_LOGGED = 1.0  # seed_scale.seed_programs prescribes every exercise 7 days a week: one session a day
PROGRESS_OPENS = 0.3  # assumption: /my/progress/ opens per active patient per day
CHECK_INS_PER_WEEK = 1.0  # patients/pathway.py DEFAULT_PATHWAY: ODI and PSFS every two weeks = 1 a week per
#                           patient in care (GROC twice per episode adds little); all sent here as GROC
PEAK_HOUR_SHARE = 0.15  # share of a day's patient traffic in the busiest hour, 19:00-20:00 (assumption from
#                         the brief); seed_scale gives each reminder hour (7, 8, 12, 17, 18, 19, 20) 1/7 = 14%
ARTICLE_READS_PER_OPEN = 1.0  # assumption: anonymous article readers (search, links) per patient /my/ open
LIBRARY_VIEWS_PER_OPEN = 0.25  # assumption: anonymous exercise-library views per patient /my/ open
PHYSIOS = 200  # seed_scale: 50 clinics x PHYSIOS_PER_CLINIC (4)
PHYSIOS_EVENING = 0.25  # assumption: share of physios working the evening clinic until 20:00
DASHBOARD_PER_HOUR = 6  # assumption: a working physio opens their home (the caseload dashboard) every 10 min
PATIENT_PAGES_PER_HOUR = 20  # assumption: a working physio opens a patient's record every 3 min
HEADROOM = 10  # issue 20: ten times the busiest hour

ACTIVE_PER_DAY = PATIENTS * IN_CARE * DAILY_ACTIVE  # 31,250 patients open the portal on a day


def _patients_per_second(per_active_patient_day: float, patients: float = ACTIVE_PER_DAY) -> float:
    return patients * per_active_patient_day * PEAK_HOUR_SHARE * HEADROOM / 3600


def _physios_per_second(per_hour: float) -> float:
    return PHYSIOS * PHYSIOS_EVENING * per_hour * HEADROOM / 3600


ANONYMOUS, PATIENT, PHYSIO = "anonymous", "patient", "physio"  # as bench.runner names them


@dataclass(frozen=True)
class Kind:
    label: str
    method: str
    path: str  # as shown in the table; the real path comes from the pools
    who: str
    rate: float  # requests per second at scale 1
    expect: int = 200  # what a browser gets when it works: a page, or the redirect after an accepted form
    follows: str = ""  # a page a browser opens after each accepted form (the redirect's target), not scheduled


KINDS = [
    Kind("article", "GET", "/articles/<slug>/", ANONYMOUS, _patients_per_second(MY_OPENS * ARTICLE_READS_PER_OPEN)),
    Kind("exercises", "GET", "/exercises/", ANONYMOUS, _patients_per_second(MY_OPENS * LIBRARY_VIEWS_PER_OPEN)),
    Kind("my-first", "GET", "/my/ (cache miss)", PATIENT, _patients_per_second(1)),
    Kind("my-repeat", "GET", "/my/ (cache hit)", PATIENT, _patients_per_second(MY_OPENS - 1)),
    Kind("my-progress", "GET", "/my/progress/ (cold)", PATIENT, _patients_per_second(PROGRESS_OPENS)),
    Kind("log-session", "POST", "/my/", PATIENT, _patients_per_second(SESSIONS_LOGGED), 302, "session-done"),
    Kind(
        "check-in",
        "POST",
        "/my/check-in/groc/",
        PATIENT,
        _patients_per_second(CHECK_INS_PER_WEEK / 7, PATIENTS * IN_CARE),
        302,
        "check-in-done",
    ),
    Kind("physio-home", "GET", "/admin/ (caseload dashboard)", PHYSIO, _physios_per_second(DASHBOARD_PER_HOUR)),
    Kind(
        "physio-patient",
        "GET",
        "/admin/portal/patient/<id>/change/",
        PHYSIO,
        _physios_per_second(PATIENT_PAGES_PER_HOUR),
    ),
]
FOLLOW_UPS = {
    "session-done": Kind("session-done", "GET", "/my/sessions/<id>/ (after each 302)", PATIENT, KINDS[5].rate),
    "check-in-done": Kind("check-in-done", "GET", "/my/check-in/done/<id>/ (after each 302)", PATIENT, KINDS[6].rate),
}
SESSION_BODY = (
    "csrfmiddlewaretoken={csrf}&token={token}&performed_on={today}&pain_before=4&pain_after=3"
    "&difficulty=about_right&note=Evening+peak&red_flags=none&{extra}"
)  # as bench/load/runner.py SESSION
GROC_BODY = "csrfmiddlewaretoken={csrf}&token={token}&rating=3&red_flags=none"  # as bench/load/runner.py GROC
GROC_AFTER_DAYS = 42  # patients/pathway.py: GROC is asked at six weeks
REPEAT_POOL = 200  # patients whose /my/ is opened again and again (warmed before the window: every open a hit)
PHYSIO_COUNT = 8  # the physios of the two largest scale clinics (physio.001.1 is bench.runner's)
PATIENTS_PER_PHYSIO = 25  # the records each physio opens in turn
FAN_OUT_AT = 2.0  # seconds into the load
FAN_OUT_LOCAL_TIME = clock(19, 30)  # "now" for the fan-out: the evening peak where the scale patients live
FAN_OUT_EARLIER_RUNS = clock(18, 59)  # the day's runs before the peak hour, done before the window
TARGET_P95_MS = 100  # issue 20
TIMEOUT = 30.0  # seconds before a request counts as an error (gunicorn's own worker timeout)
MAX_IN_FLIGHT = 5_000  # past this the generator itself is the problem: count the request as an error
DONE_ID = re.compile(r"/(\d+)/$")


# --- The schedule ---------------------------------------------------------------------------------------


@dataclass
class Planned:
    at: float  # seconds after the start
    kind: Kind
    path: str = ""
    cookie: str = ""
    body: bytes | None = None


def arrivals(rate: float, duration: float, rng: random.Random) -> list[float]:
    """Exactly round(rate x duration) arrival times in [0, duration), each uniformly at random: a Poisson
    process conditioned on its count, so a small rate over a short run is still the rate asked for (free
    exponential gaps put a 2-requests-a-second type 10-20% off over a minute with some seeds)."""
    return sorted(rng.uniform(0, duration) for _ in range(round(rate * duration)))


def schedule(kinds: list[Kind], duration: float, *, scale: float = 1.0, seed: int = 2026) -> list[Planned]:
    """Every request of the run, in time order; each kind has its own random stream, so changing one rate
    leaves the others' times as they were."""
    planned = [
        Planned(at, kind)
        for index, kind in enumerate(kinds)
        for at in arrivals(kind.rate * scale, duration, random.Random(seed * 1000 + index))
    ]
    return sorted(planned, key=lambda p: p.at)


# --- The client ------------------------------------------------------------------------------------------


@dataclass
class Stats:
    kind: Kind
    latencies: list[float] = field(default_factory=list)  # ms from the scheduled time to the last byte
    sent: list[float] = field(default_factory=list)  # the scheduled times, seconds after the start (same order)
    statuses: Counter = field(default_factory=Counter)
    errors: int = 0
    accepted_ids: list[int] = field(default_factory=list)  # rows an accepted form redirected to


@dataclass
class Load:
    host: str
    port: int
    stats: dict[str, Stats]
    timeout: float = TIMEOUT
    lags: list[float] = field(default_factory=list)  # ms a request left after its scheduled time
    in_flight: int = 0
    peak_in_flight: int = 0
    start: float = 0.0  # loop time of the schedule's zero
    last_answer: float = 0.0  # seconds after the start


async def fetch(load: Load, method: str, path: str, cookie: str, body: bytes | None) -> tuple[int, dict[str, str]]:
    """One HTTP/1.1 request on a new connection: (status, headers), the body read and dropped."""
    reader, writer = await asyncio.open_connection(load.host, load.port)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {load.host}:{load.port}\r\nConnection: close\r\n"
        head += "User-Agent: bench-peak\r\n" + (f"Cookie: {cookie}\r\n" if cookie else "")
        if body is not None:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode("latin-1") + b"\r\n" + (body or b""))
        status = int((await reader.readline()).split()[1])
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            await reader.readexactly(int(headers["content-length"]))
        else:
            while await reader.read(65536):  # Connection: close ends the body
                pass
        return status, headers
    finally:
        writer.close()


async def send(load: Load, planned: Planned, due: float, *, scheduled: bool = True) -> None:
    """Send one planned request and record it against its scheduled time `due` (loop time)."""
    loop = asyncio.get_running_loop()
    stats = load.stats[planned.kind.label]
    if scheduled:
        load.lags.append((loop.time() - due) * 1000)
    if load.in_flight >= MAX_IN_FLIGHT:
        stats.errors += 1
        stats.statuses["not sent"] += 1
        return
    load.in_flight += 1
    load.peak_in_flight = max(load.peak_in_flight, load.in_flight)
    try:
        async with asyncio.timeout(load.timeout):
            status, headers = await fetch(load, planned.kind.method, planned.path, planned.cookie, planned.body)
    except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
        status, headers = type(error).__name__, {}
    finally:
        load.in_flight -= 1
    stats.latencies.append((loop.time() - due) * 1000)
    stats.sent.append(due - load.start)
    load.last_answer = max(load.last_answer, loop.time() - load.start)
    stats.statuses[status] += 1
    location = headers.get("location", "")
    accepted = status == planned.kind.expect and (status != 302 or DONE_ID.search(location))
    if not accepted:
        stats.errors += 1
        return
    if planned.kind.follows:
        stats.accepted_ids.append(int(DONE_ID.search(location)[1]))
        # The browser follows the redirect at once: the done page, timed from the moment it asks for it.
        follow_up = Planned(0, FOLLOW_UPS[planned.kind.follows], urlsplit(location).path, planned.cookie)
        await send(load, follow_up, loop.time(), scheduled=False)


async def drive(base_url: str, planned: list[Planned], *, timeout: float = TIMEOUT) -> Load:
    """Send every planned request at its time, without waiting for answers; then wait for the answers."""
    parts = urlsplit(base_url)
    kinds = {p.kind.label: p.kind for p in planned}
    kinds |= {k.follows: FOLLOW_UPS[k.follows] for k in list(kinds.values()) if k.follows}
    order = [k.label for k in KINDS] + list(FOLLOW_UPS)  # the table's order; a kind not in the mix goes last
    kinds = dict(sorted(kinds.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
    load = Load(parts.hostname, parts.port or 80, {label: Stats(kind) for label, kind in kinds.items()}, timeout)
    loop = asyncio.get_running_loop()
    start = load.start = loop.time() + 0.05
    tasks = set()
    for request in planned:
        due = start + request.at
        if (delay := due - loop.time()) > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(send(load, request, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    return load


# --- Patients, physios and their requests (Django) -----------------------------------------------------


def _cookie(email: str) -> tuple[str, str]:
    """(Cookie header, CSRF secret) of a new logged-in session for `email`."""
    from django.conf import settings

    from bench.runner import cookie_header, session_for

    cookies = session_for(email)
    return cookie_header(cookies), cookies[settings.CSRF_COOKIE_NAME]


def _in_care_patients():
    from django.db.models import Exists, OuterRef

    from bench.seed_scale import DOMAIN
    from patients.models import Alert
    from portal.models import Patient
    from programs.models import Program

    active = Program.objects.filter(patient=OuterRef("pk"), status=Program.Status.ACTIVE)
    holding = Alert.objects.holding().filter(patient=OuterRef("pk"))
    return Patient.objects.filter(user__email__endswith=f"@{DOMAIN}", archived_at__isnull=True).filter(
        Exists(active), ~Exists(holding)
    )


def _pick(rng: random.Random, ids: list[int], taken: set[int], count: int) -> list[int]:
    free = [pk for pk in ids if pk not in taken]
    if len(free) < count:
        sys.exit(f"only {len(free)} scale patients left for {count} requests: shorten the run or lower --scale")
    chosen = rng.sample(free, count)
    taken.update(chosen)
    return chosen


def _fresh_pages(planned: list[Planned], path: str, patients: list) -> None:
    """A patient per request, whose copy of the page is made stale first: their first visit of the day."""
    from portal.pagecache import bump, user_topic

    bump(*(user_topic(p.user_id) for p in patients))
    for request, patient in zip(planned, patients, strict=True):
        request.path, request.cookie = path, _cookie(patient.user.email)[0]


def _session_forms(planned: list[Planned], patients: list) -> list:
    """Each patient logs today's session once (the patients whose Today has a session due)."""
    from bench.load.runner import exercise_fields
    from patients.selectors import today_plan

    due = [p for p in patients if today_plan(p).state == "due"]
    if planned and not due:
        sys.exit("no scale patient has a session due today: is the bench data seeded?")
    for request, patient in zip(planned, itertools.cycle(due), strict=False):
        cookie, csrf = _cookie(patient.user.email)
        body = SESSION_BODY.format(
            csrf=csrf, token=uuid.uuid4(), today=patient.local_today().isoformat(), extra=exercise_fields(patient)
        )
        request.path, request.cookie, request.body = "/my/", cookie, body.encode()
    return due


def _check_in_forms(planned: list[Planned], patients: list) -> list[tuple]:
    """Each patient answers the GROC once, made due today first as the pathway makes it at six weeks (the
    answer clears it again: a one-off, `pathway.answered`). Returns the schedules as they were, for
    `restore_unanswered`."""
    from patients.models import CheckInSchedule
    from patients.questionnaires import Questionnaire

    schedules = CheckInSchedule.objects.filter(patient__in=patients, questionnaire=Questionnaire.GROC)
    before = list(schedules.values_list("pk", "next_due_on", "active"))
    for request, patient in zip(planned, patients, strict=True):
        schedules.filter(patient=patient).update(next_due_on=patient.local_today(), active=True)
        cookie, csrf = _cookie(patient.user.email)
        body = GROC_BODY.format(csrf=csrf, token=uuid.uuid4())
        request.path, request.cookie, request.body = "/my/check-in/groc/", cookie, body.encode()
    return before


def restore_unanswered(before: list[tuple]) -> None:
    """The GROC schedules of patients whose answer never arrived (an error, a cut-short run), as they were."""
    from patients.models import CheckInSchedule

    still_due = set(
        CheckInSchedule.objects.filter(pk__in=[pk for pk, *_ in before], next_due_on__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for pk, next_due_on, active in before:
        if pk in still_due:
            CheckInSchedule.objects.filter(pk=pk).update(next_due_on=next_due_on, active=active)


def _physio_pages(home: list[Planned], records: list[Planned], sessions: dict) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from bench.runner import cookie_header
    from bench.seed_scale import BENCH_PHYSIO_EMAIL, DOMAIN

    emails = [f"physio.{clinic:03d}.{n}@{DOMAIN}" for clinic in (1, 2) for n in (1, 2, 3, 4)][:PHYSIO_COUNT]
    physios = list(get_user_model().objects.filter(email__in=emails).order_by("email"))
    given = sessions.get(PHYSIO)
    cookies = {
        u.pk: cookie_header(given) if given and u.email == BENCH_PHYSIO_EMAIL else _cookie(u.email)[0] for u in physios
    }
    pages = []
    for physio in physios:
        caseload = _in_care_patients().filter(primary_physio=physio).order_by("pk").values_list("pk", flat=True)
        pages += [
            (f"/{settings.ADMIN_URL}portal/patient/{pk}/change/", cookies[physio.pk])
            for pk in caseload[:PATIENTS_PER_PHYSIO]
        ]
    for request, cookie in zip(home, itertools.cycle(cookies.values()), strict=False):
        request.path, request.cookie = f"/{settings.ADMIN_URL}", cookie
    for request, (path, cookie) in zip(records, itertools.cycle(pages), strict=False):
        request.path, request.cookie = path, cookie


def prepare(planned: list[Planned], sessions: dict, *, seed: int = 2026) -> dict:
    """Give every planned request its path, cookies and body; returns the pools the checks need afterwards.

    Pools do not overlap: a patient who logs a session makes their own Today stale, so they are never the
    ones whose repeat visits are meant to be cache hits.
    """
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from articles.models import Article
    from patients.models import CheckIn, SessionLog
    from patients.questionnaires import Questionnaire
    from portal.models import Patient

    by_kind = {kind.label: [p for p in planned if p.kind.label == kind.label] for kind in KINDS}
    rng, taken = random.Random(seed), set()
    in_care = list(_in_care_patients().order_by("pk").values_list("pk", flat=True))
    # Fresh on a re-run too: who has not logged today's session, who has not answered the GROC (once an episode).
    today = timezone.localdate()  # the scale patients' zone is the default one
    logged = SessionLog.objects.filter(patient=OuterRef("pk"), performed_on=today)
    not_logged = _in_care_patients().exclude(Exists(logged)).order_by("pk").values_list("pk", flat=True)
    answered = CheckIn.objects.filter(patient=OuterRef("pk"), questionnaire=Questionnaire.GROC)
    groc_due = _in_care_patients().filter(created_at__lte=timezone.now() - timedelta(days=GROC_AFTER_DAYS))
    groc_due = groc_due.exclude(Exists(answered)).order_by("pk").values_list("pk", flat=True)

    def patients(ids: list[int]) -> list:
        found = Patient.objects.select_related("user").in_bulk(ids)
        return [found[pk] for pk in ids]

    slugs = list(Article.objects.published().order_by("pk").values_list("slug", flat=True))
    for request, slug in zip(by_kind["article"], itertools.cycle(slugs), strict=False):
        request.path = f"/articles/{slug}/"
    for request in by_kind["exercises"]:
        request.path = "/exercises/"
    repeat = patients(_pick(rng, in_care, taken, min(REPEAT_POOL, len(by_kind["my-repeat"]))))
    repeat_cookies = [_cookie(p.user.email)[0] for p in repeat]
    for request, cookie in zip(by_kind["my-repeat"], itertools.cycle(repeat_cookies), strict=False):
        request.path, request.cookie = "/my/", cookie
    _fresh_pages(by_kind["my-first"], "/my/", patients(_pick(rng, in_care, taken, len(by_kind["my-first"]))))
    _fresh_pages(
        by_kind["my-progress"], "/my/progress/", patients(_pick(rng, in_care, taken, len(by_kind["my-progress"])))
    )
    loggers = patients(_pick(rng, list(not_logged), taken, len(by_kind["log-session"])))
    loggers = _session_forms(by_kind["log-session"], loggers)
    answering = patients(_pick(rng, list(groc_due), taken, len(by_kind["check-in"])))
    groc_before = _check_in_forms(by_kind["check-in"], answering)
    _physio_pages(by_kind["physio-home"], by_kind["physio-patient"], sessions)
    return {"repeat_cookies": repeat_cookies, "loggers": loggers, "answering": answering, "groc": groc_before}


def warm_up(base_url: str, planned: list[Planned], repeat_cookies: list[str]) -> None:
    """Before the window: every public page and physio page once, and each repeat patient's Today (so their
    visits in the window are the day's second and later), a few at a time. Stops on an unexpected status."""
    pages = {(p.path, p.cookie) for p in planned if p.kind.who in (ANONYMOUS, PHYSIO)}
    pages |= {("/my/", cookie) for cookie in repeat_cookies}
    parts = urlsplit(base_url)
    load, failed = Load(parts.hostname, parts.port or 80, {}), {}

    async def warm() -> None:
        limit = asyncio.Semaphore(4)

        async def one(path: str, cookie: str) -> None:
            async with limit:
                status, _ = await fetch(load, "GET", path, cookie, None)
            if status != 200:
                failed[path] = status

        await asyncio.gather(*(one(path, cookie) for path, cookie in sorted(pages)))

    asyncio.run(warm())
    if failed:
        sys.exit(f"warm-up: these pages did not answer 200: {failed} (see the gunicorn log)")


# --- The reminder fan-out, in its own process --------------------------------------------------------------


def fan_out_now(at: clock = FAN_OUT_LOCAL_TIME) -> datetime:
    """`at` on this evening where the scale patients live (Europe/London, the default zone)."""
    zone = ZoneInfo("Europe/London")
    return datetime.combine(datetime.now(zone).date(), at, tzinfo=zone)


def _private_broker() -> str:
    """The fan-out's broker: the bench's Redis database (REDIS_URL), where no worker runs during the peak, so the
    tasks it queues are the same Redis writes as in production and are purged afterwards (no email is sent)."""
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"


def _fan_out_job(now: str, ready, go, results) -> None:
    """The child process: set up Django, wait for the signal, run the fan-out as Celery beat would."""
    import django

    os.environ["CELERY_BROKER_URL"] = _private_broker()
    django.setup()
    from patients import followups
    from portal.celery import app

    # The day's earlier runs, before the window (untimed): every cohort due by 18:59 is queued, so the run in the
    # window queues the 19:00 cohort only, as beat's quarter-hourly run does in the busiest hour.
    followups.fan_out_reminders(fan_out_now(FAN_OUT_EARLIER_RUNS))
    app.control.purge()
    ready.set()
    go.wait()
    started = time.perf_counter()
    queued = followups.fan_out_reminders(datetime.fromisoformat(now))
    seconds = time.perf_counter() - started
    try:
        messages = app.connection().default_channel.client.llen("celery")
    except AttributeError:  # not Redis
        messages = None
    app.control.purge()  # no worker consumes the private broker: do not leave the tasks for the next run
    results.put({"queued": queued, "seconds": seconds, "broker_messages": messages})


def remove_queued_reminders(since: datetime) -> int:
    """The fan-out's rows, so the next run queues them again (and no worker ever sends them)."""
    from patients.emails import REMINDER
    from portal.outbox.models import OutboundEmail

    rows = OutboundEmail.objects.filter(kind=REMINDER, key__startswith=f"{REMINDER}:", created_at__gte=since)
    return rows.delete()[0]


# --- Checks and the table --------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """Nearest rank: the smallest value at or above p% of them."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def check_writes(load: Load, pools: dict, since: datetime) -> dict:
    """Each accepted form against the rows in the database: every accepted id must be a row written in this
    run for those patients (one lost is an error); rows without an accepted answer are reported."""
    from patients.models import CheckIn, SessionLog
    from patients.questionnaires import Questionnaire

    written = {
        "log-session": SessionLog.objects.filter(patient__in=pools["loggers"], logged_at__gte=since),
        "check-in": CheckIn.objects.filter(
            patient__in=pools["answering"], questionnaire=Questionnaire.GROC, submitted_at__gte=since
        ),
    }
    checks = {}
    for label, rows in written.items():
        stats, ids = load.stats[label], set(rows.values_list("pk", flat=True))
        lost = set(stats.accepted_ids) - ids
        stats.errors += len(lost)
        checks[label] = {"accepted": len(stats.accepted_ids), "rows": len(ids), "lost": len(lost)}
        checks[label]["unanswered"] = len(ids - set(stats.accepted_ids))
    return checks


def _cell(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def summarise(load: Load, duration: float, scale: float) -> list[dict]:
    """A row per kind and a total. Achieved: answers per second over the window, or until the last answer
    when a server behind kept answering after it (so an overloaded server shows what it really served)."""
    span, rows = max(duration, load.last_answer), []
    for stats in load.stats.values():
        answered = [s for s in stats.statuses if isinstance(s, int)]
        rows.append(
            {
                "label": stats.kind.label,
                "method": stats.kind.method,
                "path": stats.kind.path,
                "who": stats.kind.who,
                "target": stats.kind.rate * scale,
                "achieved": sum(stats.statuses[s] for s in answered) / span,
                "count": len(stats.latencies),
                **{f"p{p}": percentile(stats.latencies, p) for p in (50, 95, 99)},
                "errors": stats.errors,
                "statuses": dict(stats.statuses),
            }
        )
    every = [ms for stats in load.stats.values() for ms in stats.latencies]
    total = {"label": "total", "method": "", "path": "", "who": ""}
    total |= {key: sum(row[key] for row in rows) for key in ("target", "achieved", "count", "errors")}
    total |= {f"p{p}": percentile(every, p) for p in (50, 95, 99)}
    return [*rows, total]


def render(result: dict) -> str:
    lines = ["| request | path | as | target req/s | achieved req/s | count | p50 ms | p95 ms | p99 ms | errors |"]
    lines.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        path = f"{row['method']} `{row['path']}`" if row["path"] else ""
        label = f"**{row['label']}**" if row["label"] == "total" else row["label"]
        cells = [label, path, row["who"], _cell(row["target"], 1), _cell(row["achieved"], 1), f"{row['count']:,}"]
        cells += [_cell(row[f"p{p}"], 1) for p in (50, 95, 99)] + [f"{row['errors']:,}"]
        lines.append("| " + " | ".join(cells) + " |")
    total = result["rows"][-1]
    met = total["p95"] is not None and total["p95"] < TARGET_P95_MS and not total["errors"]
    lines += ["", f"- target (p95 < {TARGET_P95_MS} ms, 0 errors): {'met' if met else 'not met'}"]
    if total["achieved"] < 0.95 * total["target"]:
        lines.append(
            f"- overloaded: {total['achieved']:,.0f} req/s answered of {total['target']:,.0f} offered; the queue grew "
            "through the window, so the latencies are mostly waiting"
        )
    for label, check in result["writes"].items():
        lines.append(
            f"- {label}: {check['accepted']:,} accepted (302), {check['rows']:,} rows written, {check['lost']} "
            f"accepted without a row, {check['unanswered']} rows whose answer came too late (timeouts)"
        )
    bad = {row["label"]: row["statuses"] for row in result["rows"][:-1] if row["errors"]}
    if bad:
        lines.append(f"- statuses where there were errors: {bad}")
    fan = result["fan_out"]
    if fan:
        lines.append(
            f"- reminder fan-out (`patients.followups.fan_out_reminders`, its own process, `now` = {fan['now']}): "
            f"{fan['queued']:,} reminders queued in {fan['seconds']:.1f} s from {fan['at']:.0f} s into the "
            f"{result['duration']:.0f} s window; {fan['broker_messages']} broker messages (purged after: no worker "
            f"runs during the peak, so no email is sent); p95 of the requests sent while it ran "
            f"{_cell(fan['p95_during'], 1)} ms, after it {_cell(fan['p95_after'], 1)} ms"
        )
    gen = result["generator"]
    lines.append(
        f"- generator: one asyncio process, a new connection per request; {gen['cpu']:.0%} of a core; sent "
        f"{_cell(gen['lag_p99'], 1)} ms late at p99 (max {_cell(gen['lag_max'], 1)} ms); at most "
        f"{gen['peak_in_flight']} requests in flight"
    )
    return "\n".join(lines) + "\n"


# --- Run --------------------------------------------------------------------------------------------------


def run(base_url: str, sessions: dict, *, duration: float, scale: float = 1.0, fan_out: bool = True) -> dict:
    """The evening peak against a running server at `base_url` on the bench database (Django set up).

    `sessions`: bench.runner's cookies by role; its PHYSIO is one of the evening physios. The patients are
    made here (a fresh one per first visit of the day, per cold progress page, per session logged and per
    check-in; a pool of REPEAT_POOL for the repeat visits), with session_for. Returns the rows, the write
    checks, the fan-out, the generator's own figures and the markdown table.
    """
    from django.db import connection
    from django.utils import timezone

    planned = schedule(KINDS, duration, scale=scale)
    pools = prepare(planned, sessions)
    started_at, fan_out_result = timezone.now(), None
    try:
        warm_up(base_url, planned, pools["repeat_cookies"])
        job = _start_fan_out() if fan_out else None
        connection.close()  # nothing of ours holds a connection or a lock while the load runs
        load, cpu = _measure(base_url, planned, job)
        if job:
            fan_out_result = {**job["results"].get(timeout=600), "now": job["now"], "at": job["at"]}
            job["process"].join()
    finally:
        if fan_out:
            remove_queued_reminders(started_at)
        restore_unanswered(pools["groc"])
    writes = check_writes(load, pools, started_at)
    if fan_out_result:
        fan_out_result["p95_during"], fan_out_result["p95_after"] = _p95_during(load, fan_out_result)
    lags = load.lags
    result = {
        "rows": summarise(load, duration, scale),
        "writes": writes,
        "fan_out": fan_out_result,
        "duration": duration,
        "scale": scale,
        "generator": {
            "cpu": cpu,
            "lag_p99": percentile(lags, 99),
            "lag_max": max(lags, default=None),
            "peak_in_flight": load.peak_in_flight,
        },
    }
    result["markdown"] = render(result)
    return result


def _p95_during(load: Load, fan: dict) -> tuple[float | None, float | None]:
    """p95 of the requests scheduled while the fan-out ran, and of those scheduled after it finished."""
    end = fan["at"] + fan["seconds"]
    samples = [(at, ms) for stats in load.stats.values() for at, ms in zip(stats.sent, stats.latencies, strict=True)]
    during = [ms for at, ms in samples if fan["at"] <= at < end]
    return percentile(during, 95), percentile([ms for at, ms in samples if at >= end], 95)


def _start_fan_out() -> dict:
    context = multiprocessing.get_context("spawn")
    ready, go, results, now = context.Event(), context.Event(), context.Queue(), fan_out_now()
    process = context.Process(target=_fan_out_job, args=(now.isoformat(), ready, go, results), daemon=True)
    process.start()
    if not ready.wait(timeout=120):  # Django set up in the child before the window: the signal starts the fan-out
        process.kill()
        sys.exit("the fan-out process did not start")
    return {"process": process, "go": go, "results": results, "now": f"{now:%H:%M %Z}", "at": FAN_OUT_AT}


def _measure(base_url: str, planned: list[Planned], job: dict | None) -> tuple[Load, float]:
    """The window itself; returns the load and the generator's CPU as a share of one core."""

    async def window() -> Load:
        if job:
            asyncio.get_running_loop().call_later(FAN_OUT_AT, job["go"].set)
        return await drive(base_url, planned)

    cpu, wall = time.process_time(), time.monotonic()
    load = asyncio.run(window())
    return load, (time.process_time() - cpu) / (time.monotonic() - wall)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.peak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="Seconds of load.")
    parser.add_argument("--scale", type=float, default=1.0, help="Times the mix's rates (1: ten times the peak).")
    parser.add_argument("--no-fan-out", action="store_true", help="Without the reminder fan-out.")
    parser.add_argument("--output", type=Path, help="Also write the table to this file.")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from bench import runner

    os.environ.setdefault("DATABASE_URL", runner.DEFAULT_DATABASE_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from bench.seed_scale import BENCH_PHYSIO_EMAIL

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages name the hashed files
    sessions = {runner.ANONYMOUS: None, PHYSIO: runner.session_for(BENCH_PHYSIO_EMAIL)}
    port = runner.free_port()
    log = Path(tempfile.gettempdir()) / f"peak-gunicorn-{port}.log"
    server = runner.start_gunicorn(port, log)
    try:
        result = run(
            f"http://127.0.0.1:{port}", sessions, duration=args.duration, scale=args.scale, fan_out=not args.no_fan_out
        )
    finally:
        runner.stop(server)
    header = (
        f"# Evening peak {datetime.now(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC\n\n"
        f"- command: python -m bench.peak {' '.join(sys.argv[1:] if argv is None else argv)}\n"
        f"- gunicorn {runner.WORKERS} sync workers on PostgreSQL (bench.settings); open loop, random arrival "
        f"times (fixed seed), {args.duration:.0f} s, scale {args.scale:g} (1 = ten times the busiest hour); "
        "latency from the scheduled time\n\n"
    )
    print(header + result["markdown"])
    if args.output:
        args.output.write_text(header + result["markdown"])
    print(f"gunicorn log: {log}")
    return result


if __name__ == "__main__":
    main()
