"""How long a red-flag alert email takes while a reminder fan-out drains (not a CI test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_fanout REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/alert_latency.py --patients 100000 [--single-queue]

Seeds N patients due a reminder now (bench/fan_out.py), starts an aiosmtpd server in this process and the
workers, runs the reminder fan-out (N emails, N / 50 group tasks on the broker), lets the workers drain it for
`--after` seconds, then reports a red flag for another patient through the same service the pages call
(`patients.services.report_red_flags`) and times it until the SMTP server accepts the alert to the physio.

By default the workers are deployed as docker-compose.yml deploys them: one consuming the default queue and
one consuming OUTBOX_URGENT_QUEUE. `--single-queue` reproduces the deployment before the urgent queue: alert
emails on the default queue (OUTBOX_URGENT_QUEUE=celery) and one worker. Each worker is `--pool solo`.
Everything it made is removed afterwards. Use a database of its own.
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
PHYSIO = "alert-physio@latency.example"
PATIENT = "red-flag@latency.example"


class Recorder:
    """The SMTP server's side: when each message was accepted, and when the first one to PHYSIO was."""

    def __init__(self):
        self.count, self.alert_at = 0, None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.count += 1
            if self.alert_at is None and PHYSIO in envelope.rcpt_tos:
                self.alert_at = time.perf_counter()
        return "250 OK"


def red_flag_patient():
    from django.contrib.auth import get_user_model

    from portal.models import Clinic, Patient

    clinic, _ = Clinic.objects.get_or_create(slug="latency", defaults={"name": "Latency clinic"})
    users = get_user_model().objects
    physio, _ = users.get_or_create(email=PHYSIO, defaults={"is_staff": True, "clinic": clinic})
    user, _ = users.get_or_create(email=PATIENT, defaults={"first_name": "Red"})
    patient, _ = Patient.objects.get_or_create(user=user, defaults={"clinic": clinic, "primary_physio": physio})
    return patient


def clean_up(queues: list[str]) -> None:
    from patients.models import Alert, RedFlagReport
    from portal.celery import app
    from portal.models import OutboundEmail

    RedFlagReport.objects.filter(patient__user__email=PATIENT).delete()
    Alert.objects.filter(patient__user__email=PATIENT).delete()
    OutboundEmail.objects.filter(kind__in=["reminder", "alert"]).delete()
    with app.connection() as connection:
        connection.default_channel.client.delete(*queues)


def start_worker(name: str, queues: str, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    command += ["-Q", queues, "-n", f"{name}@%h", "--without-mingle", "--without-gossip"]
    return subprocess.Popen(command, env=env)


def run(patients: int, *, after: float, single_queue: bool) -> dict:
    """Needs Django set up (with OUTBOX_URGENT_QUEUE already chosen) and Redis."""
    import uuid

    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.db import connection

    from bench import fan_out
    from patients import followups
    from patients import services as patient_services
    from testing.services import free_port

    default, urgent = settings.CELERY_TASK_DEFAULT_QUEUE, settings.OUTBOX_URGENT_QUEUE
    queues = sorted({default, urgent})
    fan_out.seed(patients)
    patient = red_flag_patient()
    clean_up(queues)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, server_hostname="bench.local")
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "CONN_MAX_AGE": "60"}
    workers = [start_worker("bulk", default, env)]
    if not single_queue:
        workers.append(start_worker("urgent", urgent, env))
    try:
        time.sleep(5)  # let the workers connect
        started = time.perf_counter()
        queued = followups.fan_out_reminders()
        fanned_out = time.perf_counter() - started
        with connection.cursor() as cursor:
            # What autovacuum does within minutes of such an insert; without it the claim of each row scans
            # every pending row (see the README's Benchmark), and the drain runs at a third of its speed.
            cursor.execute("ANALYZE portal_outboundemail")
        time.sleep(after)
        delivered_before = recorder.count
        submitted = time.perf_counter()
        patient_services.report_red_flags(patient=patient, flags=["both_legs_numb"], token=uuid.uuid4(), source="b")
        deadline = time.monotonic() + 1800
        while recorder.alert_at is None and time.monotonic() < deadline:
            time.sleep(0.01)
        latency = recorder.alert_at - submitted if recorder.alert_at else float("nan")
        return {
            "mode": "one queue, one worker" if single_queue else "urgent queue with its own worker",
            "queued": queued,
            "fan_out_seconds": fanned_out,
            "delivered_before_alert": delivered_before,
            "delivered_by_alert": recorder.count,
            "latency": latency,
        }
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        controller.stop()
        clean_up(queues)
        fan_out.remove_seeded()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--after", type=float, default=10.0, help="seconds of draining before the red flag")
    parser.add_argument("--single-queue", action="store_true", help="the deployment before the urgent queue")
    args = parser.parse_args()
    if args.single_queue:
        os.environ["OUTBOX_URGENT_QUEUE"] = "celery"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = run(args.patients, after=args.after, single_queue=args.single_queue)
    print(
        f"{result['mode']}: {result['queued']:,} reminders queued in {result['fan_out_seconds']:.1f} s; "
        f"red flag after {args.after:.0f} s of draining ({result['delivered_before_alert']:,} reminders sent): "
        f"alert accepted by SMTP {result['latency']:.2f} s after the report "
        f"({result['delivered_by_alert']:,} emails accepted by then)",
        flush=True,
    )


if __name__ == "__main__":
    main()
