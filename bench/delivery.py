"""Delivery rate of one Celery worker to a local SMTP server, and the worker's peak memory (not a CI test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_fanout REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/delivery.py --emails 5000

Starts an aiosmtpd server in this process and one `celery worker --pool solo` process (bench.settings,
DEBUG off) pointed at it, queues N `staff_welcome` emails through the outbox's bulk path, and reports the
emails per second from the first to the last acceptance by the SMTP server, plus the worker's peak resident
memory (VmHWM). The rows are deleted afterwards. Use a database of its own.
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


class Counter:
    def __init__(self):
        self.count, self.first, self.last = 0, None, None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.count += 1
            self.last = time.perf_counter()
            self.first = self.first or self.last
        return "250 OK"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(emails: int) -> dict:
    """Deliver `emails` through one solo worker to an aiosmtpd in this process. Needs Django set up and Redis."""
    from aiosmtpd.controller import Controller
    from django.contrib.auth import get_user_model

    from portal.celery import app
    from portal.models import OutboundEmail
    from portal.outbox import BulkEmail, queue_emails_in_bulk
    from testing.services import free_port

    user, _ = get_user_model().objects.get_or_create(email="delivery@bench.example", defaults={"is_staff": True})
    OutboundEmail.objects.filter(key__startswith="bench-delivery:").delete()
    app.control.purge()
    counter, port = Counter(), free_port()
    # server_hostname: otherwise aiosmtpd resolves its own FQDN for every connection.
    controller = Controller(counter, hostname="127.0.0.1", port=port, server_hostname="bench.local")
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "CONN_MAX_AGE": "60"}
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    worker = subprocess.Popen([*command, "-n", "delivery@%h", "--without-mingle", "--without-gossip"], env=env)
    try:
        time.sleep(4)  # let the worker connect
        for start in range(0, emails, 2000):
            queue_emails_in_bulk(
                [
                    BulkEmail(
                        kind="staff_welcome", to=user.email, key=f"bench-delivery:{n}", context={"user_id": user.pk}
                    )
                    for n in range(start, min(start + 2000, emails))
                ]
            )
        deadline = time.monotonic() + 600
        while counter.count < emails and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.2)
        seconds = (counter.last or 0) - (counter.first or 0)
        sent = OutboundEmail.objects.filter(key__startswith="bench-delivery:", status="sent").count()
        return {
            "accepted": counter.count,
            "seconds": seconds,
            "rate": counter.count / seconds if seconds else None,
            "peak_mb": peak_rss_mb(worker.pid),
            "rows_sent": sent,
        }
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        controller.stop()
        OutboundEmail.objects.filter(key__startswith="bench-delivery:").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=5000)
    args = parser.parse_args()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = run(args.emails)
    print(f"{result['accepted']:,} of {args.emails:,} emails accepted by the SMTP server in {result['seconds']:.1f} s")
    print(f"rate: {result['rate']:,.0f} emails/s for one worker (pool solo)" if result["rate"] else "rate: –")
    print(f"worker peak memory (VmHWM): {result['peak_mb']:.0f} MB")
    print(f"rows sent: {result['rows_sent']:,}")


if __name__ == "__main__":
    main()
