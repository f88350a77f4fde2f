"""Load test (not in CI): many patients submitting a one-time-token form at once, against gunicorn on
PostgreSQL. It reports the errors and checks that every request the server accepted wrote exactly one
row (none lost, none doubled).

    bench/load/run --users 200 --duration 60

The form under load is one `Target` (`TARGET`): logging today's session (POST /my/ with a one-time token,
pain before and after, and the patient's own exercise fields). `GROC`, the GROC check-in, is the other.
"""

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LUA = Path(__file__).resolve().parent / "post.lua"
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_load"
EMAIL_DOMAIN = "load.example"


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    body: str  # {token}: a fresh UUID per request; {csrf}: the patient's CSRF token; {extra}: per-patient fields
    # The path of the page an accepted form redirects to ends in the new row's id (read from Location).
    row_ids: Callable[[list, datetime], set[int]]  # ids of the rows written for these patients since a moment


def _groc_rows(patients: list, since: datetime) -> set[int]:
    from patients.models import CheckIn

    rows = CheckIn.objects.filter(patient__in=patients, questionnaire="groc", submitted_at__gte=since)
    return set(rows.values_list("pk", flat=True))


GROC = Target(
    label="GROC check-in",
    path="/my/check-in/groc/",
    body="csrfmiddlewaretoken={csrf}&token={token}&rating=3&red_flags=none",
    row_ids=_groc_rows,
)


def _session_rows(patients: list, since: datetime) -> set[int]:
    from patients.models import SessionLog

    rows = SessionLog.objects.filter(patient__in=patients, logged_at__gte=since)
    return set(rows.values_list("pk", flat=True))


SESSION = Target(
    label="logging today's session",
    path="/my/",
    body="csrfmiddlewaretoken={csrf}&token={token}&performed_on={today}&pain_before=4&pain_after=3"
    "&difficulty=about_right&note=Load+test&red_flags=none&{extra}",
    row_ids=_session_rows,
)
TARGET = SESSION


def exercise_fields(patient) -> str:
    """The patient's own "I did it" fields for every item of their current phase (item ids differ)."""
    program = patient.programs.get(status="active")
    items = program.items.current().filter(phase_id=program.current_phase_id)
    return "&".join(f"done_{i.pk}=on&sets_{i.pk}={i.sets}&reps_{i.pk}={i.reps}&side_{i.pk}={i.side}" for i in items)


def seed_patients(count: int) -> list:
    """`count` patients of one load-test clinic (created once, reused on the next run)."""
    from django.contrib.auth import get_user_model

    from patients.services import create_patient
    from portal import roles
    from portal.models import Clinic, Patient
    from programs.models import ProgramTemplate
    from programs.services import assign_program
    from programs.tests.factories import make_template
    from testing.factories import StaffFactory

    clinic, _ = Clinic.objects.get_or_create(slug="load-test", defaults={"name": "Load test clinic"})
    physio = get_user_model().objects.filter(email=f"physio@{EMAIL_DOMAIN}").first() or StaffFactory(
        email=f"physio@{EMAIL_DOMAIN}", clinic=clinic, role=roles.PHYSIOTHERAPIST
    )
    template = ProgramTemplate.objects.filter(slug="load-test").first() or make_template(phases=1, items_per_phase=2)
    template.slug = "load-test"
    template.save(update_fields=["slug"])
    existing = Patient.objects.filter(clinic=clinic).count()
    for n in range(existing, count):
        patient = create_patient(
            clinic=clinic,
            primary_physio=physio,
            email=f"patient{n}@{EMAIL_DOMAIN}",
            first_name="Load",
            last_name=str(n),
        )
        assign_program(patient=patient, physio=physio, template=template, start_date=date.today())
    return list(Patient.objects.filter(clinic=clinic).select_related("user").order_by("pk")[:count])


def write_sessions(patients: list) -> Path:
    """A logged-in session and a CSRF secret per patient, one "session csrf" line each, for post.lua."""
    from django.conf import settings

    from bench.runner import session_for

    def line(patient) -> str:
        cookies = session_for(patient.user.email)
        session, csrf = cookies[settings.SESSION_COOKIE_NAME], cookies[settings.CSRF_COOKIE_NAME]
        return f"{session} {csrf} {exercise_fields(patient)}\n"

    path = Path(tempfile.mkstemp(prefix="load-sessions-", suffix=".txt")[1])
    lines = (line(p) for p in patients)
    path.write_text("".join(lines))
    return path


def parse(output: str) -> dict:
    line = next(line for line in output.splitlines() if line.startswith("LOAD "))
    figures: dict = {}
    for pair in line.split()[1:]:
        key, value = pair.split("=", 1)
        figures[key] = value if key == "statuses" else float(value)
    figures["statuses"] = dict(item.split(":") for item in figures["statuses"].split(",") if item)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/load/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="Concurrent patients (wrk connections).")
    parser.add_argument("--duration", type=int, default=60, help="Seconds of load.")
    parser.add_argument("--threads", type=int, default=4, help="wrk threads.")
    parser.add_argument("--timeout", type=int, default=30, help="Seconds before wrk counts a request as timed out.")
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import runner

    wrk = runner.ensure_wrk()
    runner.ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    patients = seed_patients(args.users)
    sessions = write_sessions(patients)
    port = runner.free_port()
    log = Path(tempfile.gettempdir()) / f"load-gunicorn-{port}.log"
    server = runner.start_gunicorn(port, log)
    started = timezone.now()
    accepted_file = Path(tempfile.mkstemp(prefix="load-accepted-", suffix=".txt")[1])
    try:
        command = [wrk, f"-t{args.threads}", f"-c{args.users}", f"-d{args.duration}s", "--latency", "-s", str(LUA)]
        command += [f"--timeout={args.timeout}s", f"http://127.0.0.1:{port}{TARGET.path}"]
        body = TARGET.body.replace("{today}", timezone.localdate().isoformat())
        command += ["--", str(sessions), TARGET.path, body, secrets.token_hex(2)]
        env = {**os.environ, "LOAD_ACCEPTED_FILE": str(accepted_file)}
        output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    finally:
        runner.stop(server)
        sessions.unlink()
    figures = parse(output)
    accepted_ids = [int(line) if line.isdigit() else -1 for line in accepted_file.read_text().split()]
    accepted_file.unlink()
    rows = TARGET.row_ids(patients, started)
    accepted = int(figures["accepted"])
    requests = int(figures["requests"])
    rejected = requests - accepted
    lost = set(accepted_ids) - rows  # accepted, but no row: the failure this test is for
    doubled = len(accepted_ids) - len(set(accepted_ids))  # two accepted requests answered with one row
    # Requests still in flight when wrk stopped were processed, but their answers were never counted.
    unanswered = len(rows - set(accepted_ids))
    ok = not lost and not doubled and len(accepted_ids) == accepted and rejected == 0
    report = "\n".join(
        [
            f"# Load {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {TARGET.label}",
            "",
            f"- command: bench/load/run {' '.join(sys.argv[1:] if argv is None else argv)}",
            f"- gunicorn {runner.WORKERS} sync workers on PostgreSQL; wrk {args.threads} threads, "
            f"{args.users} connections (one patient each at a time), {args.duration} s, timeout {args.timeout} s",
            f"- requests: {requests:,} ({requests / figures['seconds']:,.0f}/s); latency "
            + ", ".join(f"p{p} {figures[f'p{p}'] / 1000:.0f} ms" for p in (50, 95, 99)),
            f"- HTTP statuses: {figures['statuses']}; socket errors (connect/read/write/timeout): "
            f"{int(figures['socket_errors'])}",
            f"- accepted (302): {accepted:,}; not accepted: {rejected:,}",
            f"- rows written: {len(rows):,}; accepted requests without a row (lost): {len(lost)}; "
            f"accepted requests sharing a row: {doubled}; rows whose answer came after wrk stopped: {unanswered} "
            f"(at most one per connection)",
            f"- verdict: {'OK: every accepted request wrote exactly one row' if ok else 'FAILED'}",
            "",
        ]
    )
    output_file = RESULTS / f"load-{datetime.now(UTC):%Y-%m-%d-%H%M}.md"
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(report)
    print(report)
    print(f"written to {output_file}; gunicorn log: {log}")
    return 0 if ok and not figures["socket_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
