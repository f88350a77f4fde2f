"""Delivery rate of one Celery worker to a local SMTP server, as a ratio of the raw SMTP limit (not a CI test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_fanout REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/delivery.py --emails 5000

Starts an aiosmtpd server in this process and one `celery worker --pool solo` process (bench.settings,
DEBUG off) pointed at it, queues N `staff_welcome` emails through the outbox's bulk path, and reports the
emails per second from the first to the last acceptance by the SMTP server, plus the worker's peak resident
memory (VmHWM). The rows are deleted afterwards. Use a database of its own.

The raw SMTP limit is measured against the same server, before and after the worker: another process (so that,
like the worker, it does not share the GIL with aiosmtpd) renders one `staff_welcome` email the portal's way,
makes N copies of it that differ only in their Message-ID (the same bytes on the wire as the worker's), and
hands them to Django's SMTP backend over one connection, timed the same way. Delivery is reported as a ratio
of the mean of the two raw runs; their spread shows the machine's noise.
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


BENCH_USER = "delivery@bench.example"


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.count, self.bytes, self.first, self.last = 0, 0, None, None

    @property
    def seconds(self) -> float:
        return (self.last or 0) - (self.first or 0)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.count += 1
            self.bytes += len(envelope.content)
            self.last = time.perf_counter()
            self.first = self.first or self.last
        return "250 OK"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def send_raw(emails: int) -> int:
    """The raw limit's sender, run in a process of its own: `emails` copies of one rendered `staff_welcome`
    message through Django's SMTP backend (EMAIL_URL) over one connection. Returns how many were sent."""
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMultiAlternatives, get_connection

    from portal.models import OutboundEmail
    from portal.outbox.models import message_id_for
    from portal.outbox.rendering import build_message

    user = get_user_model().objects.get(email=BENCH_USER)
    row = OutboundEmail(key="bench-raw:model", kind="staff_welcome", recipient=user.email, context={"user_id": user.pk})
    model = build_message(row)
    messages = [
        EmailMultiAlternatives(
            subject=model.subject,
            body=model.body,
            from_email=model.from_email,
            to=model.to,
            headers={**model.extra_headers, "Message-ID": message_id_for(f"bench-raw:{n}")},
            alternatives=model.alternatives,
        )
        for n in range(emails)
    ]
    return get_connection().send_messages(messages)


def measure_raw(counter: Counter, emails: int, env: dict) -> float | None:
    """The raw SMTP limit in emails/s: `send_raw` in a subprocess, timed by the server like the worker."""
    counter.reset()
    command = [sys.executable, str(Path(__file__).resolve()), "--raw-sender", "--emails", str(emails)]
    subprocess.run(command, env=env, check=True, timeout=600)
    return counter.count / counter.seconds if counter.count == emails and counter.seconds else None


def run(emails: int) -> dict:
    """Deliver `emails` through one solo worker to an aiosmtpd in this process, between two measurements of
    the raw SMTP limit to the same server. Needs Django set up and Redis."""
    from aiosmtpd.controller import Controller
    from django.contrib.auth import get_user_model

    from portal.celery import app
    from portal.models import OutboundEmail
    from portal.outbox import BulkEmail, queue_emails_in_bulk
    from testing.services import free_port

    user, _ = get_user_model().objects.get_or_create(email=BENCH_USER, defaults={"is_staff": True})
    OutboundEmail.objects.filter(key__startswith="bench-delivery:").delete()
    app.control.purge()
    counter, port = Counter(), free_port()
    # server_hostname: otherwise aiosmtpd resolves its own FQDN for every connection.
    controller = Controller(counter, hostname="127.0.0.1", port=port, server_hostname="bench.local")
    controller.start()
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}", "CONN_MAX_AGE": "60"}
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "WARNING"]
    worker = None
    try:
        raw_before = measure_raw(counter, emails, env)
        raw_bytes = counter.bytes / max(counter.count, 1)
        counter.reset()
        worker = subprocess.Popen([*command, "-n", "delivery@%h", "--without-mingle", "--without-gossip"], env=env)
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
        accepted, seconds, delivery_bytes = counter.count, counter.seconds, counter.bytes / max(counter.count, 1)
        rate = accepted / seconds if seconds else None
        peak_mb = peak_rss_mb(worker.pid)
        sent = OutboundEmail.objects.filter(key__startswith="bench-delivery:", status="sent").count()
        worker.terminate()
        worker.wait(timeout=30)
        raw_after = measure_raw(counter, emails, env)
        raw_rates = [r for r in (raw_before, raw_after) if r]
        raw_rate = sum(raw_rates) / len(raw_rates) if raw_rates else None
        return {
            "accepted": accepted,
            "seconds": seconds,
            "rate": rate,
            "peak_mb": peak_mb,
            "rows_sent": sent,
            "raw_rate": raw_rate,
            "raw_rates": [raw_before, raw_after],
            "ratio": rate / raw_rate if rate and raw_rate else None,
            "bytes_per_email": delivery_bytes,
            "raw_bytes_per_email": raw_bytes,
        }
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
        controller.stop()
        OutboundEmail.objects.filter(key__startswith="bench-delivery:").delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--raw-sender", action="store_true", help=argparse.SUPPRESS)  # measure_raw's subprocess
    args = parser.parse_args()
    import django

    django.setup()
    if args.raw_sender:
        send_raw(args.emails)
        return
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = run(args.emails)
    print(f"{result['accepted']:,} of {args.emails:,} emails accepted by the SMTP server in {result['seconds']:.1f} s")
    print(f"rate: {result['rate']:,.0f} emails/s for one worker (pool solo)" if result["rate"] else "rate: –")
    raws = ", ".join(f"{rate:,.0f}" if rate else "–" for rate in result["raw_rates"])
    if result["raw_rate"]:
        print(f"raw SMTP limit: {result['raw_rate']:,.0f} emails/s (before and after the worker: {raws})")
    else:
        print(f"raw SMTP limit: – ({raws})")
    print(f"delivery / raw: {result['ratio']:.2f}" if result["ratio"] else "delivery / raw: –")
    print(f"bytes per email: {result['bytes_per_email']:,.0f} delivered, {result['raw_bytes_per_email']:,.0f} raw")
    print(f"worker peak memory (VmHWM): {result['peak_mb']:.0f} MB")
    print(f"rows sent: {result['rows_sent']:,}")


if __name__ == "__main__":
    main()
