"""Time the reminder fan-out with N patients all due now (not a CI test); they are removed afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_fanout REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/fan_out.py --patients 100000

Creates (with bulk_create) a clinic, a physio and N patients at @fanout.example with an active
programme, a password, a reminder time of 00:00 and no quiet hours, spread over several time zones; then
deletes earlier reminder rows and times `patients.followups.fan_out_reminders()` twice: the first run
queues N rows and puts N / BATCH_SIZE tasks on the broker (no worker consumes them; the broker's queue is
purged afterwards), the second finds every reminder already queued. Then the patients are deleted.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
ZONES = ["Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles"]
DOMAIN = "fanout.example"


def seed(count: int) -> None:
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from portal.models import Clinic, Patient
    from programs.models import Program

    user_model = get_user_model()
    existing = Patient.objects.filter(user__email__endswith=f"@{DOMAIN}").count()
    if existing >= count:
        return
    clinic, _ = Clinic.objects.get_or_create(slug="fanout", defaults={"name": "Fan-out clinic"})
    physio, _ = user_model.objects.get_or_create(
        email=f"physio@{DOMAIN}", defaults={"is_staff": True, "clinic": clinic, "first_name": "Pat"}
    )
    password = make_password("bench-password")
    midnight = datetime.time(0, 0)
    for start in range(existing, count, 5000):
        numbers = range(start, min(start + 5000, count))
        with transaction.atomic():
            users = user_model.objects.bulk_create(
                [user_model(email=f"p{n}@{DOMAIN}", password=password, first_name=f"P{n}") for n in numbers]
            )
            patients = Patient.objects.bulk_create(
                [
                    Patient(
                        user=user,
                        clinic=clinic,
                        primary_physio=physio,
                        timezone=ZONES[n % len(ZONES)],
                        reminder_time=midnight,
                        quiet_hours_start=midnight,
                        quiet_hours_end=midnight,
                    )
                    for n, user in zip(numbers, users, strict=True)
                ]
            )
            Program.objects.bulk_create(
                [
                    Program(patient=p, physio=physio, title="Home programme", start_date=datetime.date(2026, 1, 5))
                    for p in patients
                ]
            )
        print(f"  seeded {numbers[-1] + 1:,} patients", flush=True)


REMOVE_SEEDED = [
    """DELETE FROM programs_program WHERE patient_id IN (SELECT p.id FROM patients_patient p
       JOIN portal_user u ON u.id = p.user_id WHERE u.email LIKE %s AND NOT u.is_staff)""",
    """DELETE FROM patients_patient WHERE user_id IN (
       SELECT id FROM portal_user WHERE email LIKE %s AND NOT is_staff)""",
    "DELETE FROM portal_user WHERE email LIKE %s AND NOT is_staff",
]


def remove_seeded() -> None:
    """Take the fan-out's patients out again, so the next run's pages are measured on the scale data alone.

    Left in, their 100k programmes would be the newest of all, in one clinic: every other clinic's
    programme list (newest first) would walk past them. Raw SQL: they have nothing but a programme.
    """
    from django.db import connection, transaction

    pattern = [f"%@{DOMAIN}"]
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in REMOVE_SEEDED:
            cursor.execute(statement, pattern)
    with connection.cursor() as cursor:
        # What autovacuum does soon after such churn. Without the ANALYZE the planner keeps the statistics
        # analysed before the fan-out, and the delivery measured next claims outbox rows by a bitmap scan of
        # every pending row instead of the primary key (8 ms instead of 0.1 ms a claim). Without the VACUUM the
        # dead index entries of the removed users stay, and planning a query that joins the user table took
        # 4 ms instead of 0.5 (the planner reads an index's end to bound a range, and walks the dead entries).
        cursor.execute("VACUUM ANALYZE portal_outboundemail, programs_program, patients_patient, portal_user")


def run(patients: int) -> dict:
    """Seed `patients` due patients (once), then time the fan-out twice. Needs Django set up and a broker."""
    from django.db import connection

    from patients import followups
    from portal.celery import app
    from portal.models import OutboundEmail

    started = time.perf_counter()
    seed(patients)
    seeded = time.perf_counter() - started
    OutboundEmail.objects.filter(kind="reminder").delete()
    app.control.purge()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        queued = followups.fan_out_reminders()
        runs.append((queued, time.perf_counter() - started))
    messages = app.connection().default_channel.client.llen("celery")
    app.control.purge()  # no worker here: the queued tasks would otherwise wait for the next one started
    OutboundEmail.objects.filter(kind="reminder", recipient__endswith=f"@{DOMAIN}").delete()
    remove_seeded()
    return {"seed_seconds": seeded, "runs": runs, "broker_messages": messages, "batch_size": followups.BATCH_SIZE}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = run(args.patients)
    print(f"seed: {result['seed_seconds']:.1f} s")
    for label, (queued, seconds) in zip(
        ("first run (queues)", "second run (all queued already)"), result["runs"], strict=True
    ):
        print(f"{label}: {queued:,} rows queued in {seconds:.1f} s ({queued / seconds:,.0f}/s)", flush=True)
    print(f"batch size {result['batch_size']}; broker messages after the first run: {result['broker_messages']}")


if __name__ == "__main__":
    main()
