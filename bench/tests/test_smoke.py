"""The harness end to end at a tiny size, so it cannot rot. The benchmark itself is run by hand."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from testing.services import missing

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["home", "login", "my", "my (miss)", "admin-patients"]
REFERENCES = ["bare-hello-world", "hello-world", "logged-in-floor"]  # always measured, first
FIGURES = ["req/s", "p50 ms", "p95 ms", "p99 ms", "queries/request", "× bare hello-world", "× hello-world", "errors"]
NUMBER = re.compile(r"^[\d,]+(\.\d+)?$")


def smoke_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        missing("the benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
    parts = urlsplit(url)
    # Its own database next to the suite's: the harness migrates and seeds it, outside any test transaction.
    return urlunsplit(parts._replace(path=parts.path + "_bench_smoke"))


def table_rows(markdown: str) -> dict[str, dict[str, str]]:
    lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] in ("target", "job"):
            break
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


@pytest.mark.postgres
@pytest.mark.redis
def test_bench_run_writes_a_row_of_figures_per_page(tmp_path, redis_url):
    output = tmp_path / "result.md"
    command = [str(ROOT / "bench" / "run"), "--clinics", "2", "--patients", "300", "--logs-per-patient", "2"]
    command += ["--duration", "1", "--warmup", "0", "--connections", "1", "--pages", ",".join(PAGES)]
    command += ["--fan-out-patients", "40", "--emails", "20", "--peak-duration", "3", "--peak-scale", "0.05"]
    env = {**os.environ, "DATABASE_URL": smoke_database_url(), "REDIS_URL": redis_url}  # the tests' own Redis
    finished = subprocess.run([*command, "--output", str(output)], env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-3000:]

    rows = table_rows(output.read_text())
    assert list(rows) == [*REFERENCES, *PAGES]
    for label, row in rows.items():
        assert all(NUMBER.match(row[name]) for name in FIGURES), (label, row)
        assert float(row["req/s"].replace(",", "")) > 0, row
    assert rows["bare-hello-world"]["× bare hello-world"] == "1.000"
    assert rows["hello-world"]["× hello-world"] == "1.000"
    assert rows["bare-hello-world"]["server"] == "bare" and rows["my (miss)"]["server"] == "cold"
    # The cold server really misses: the page is rendered from the database, where a hit asks only for the session.
    assert int(rows["my (miss)"]["queries/request"]) > int(rows["my"]["queries/request"])
    assert int(rows["admin-patients"]["queries/request"]) > 0
    assert "| /my/, a hit, against the logged-in floor (× logged-in-floor) |" in output.read_text()
    jobs = {line.split(" | ")[0].strip("| "): line for line in output.read_text().splitlines()}
    queued = int(re.search(r"\| ([\d,]+) reminders queued \|", jobs["reminder fan-out"])[1].replace(",", ""))
    assert queued >= 40  # the 40 seeded due, and any scale patient due at this hour
    assert "| 0 reminders queued |" in jobs["reminder fan-out again"]
    assert "| 20 of 20 emails |" in jobs["email delivery"] and "worker peak memory" in jobs["email delivery"]
    assert re.search(r"\*\*[\d.]+× the raw SMTP limit\*\*", jobs["email delivery"])
    assert re.search(r"\| [\d,]+ \| Django's SMTP backend", jobs["raw SMTP limit (mean)"])
    peak = output.read_text().split("## Evening peak")[1]
    assert "| **total** |" in peak and "accepted without a row" in peak, peak


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.worker
def test_alert_latency_reports_the_alert_accepted_while_the_fan_out_drains(redis_url):
    command = [sys.executable, str(ROOT / "bench" / "alert_latency.py")]
    command += ["--patients", "40", "--after", "1"]
    env = {**os.environ, "DATABASE_URL": smoke_database_url(), "REDIS_URL": redis_url}
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-3000:]

    line = r"([\d,]+) reminders queued .* alert accepted by SMTP ([\d.]+) s after the report"
    found = re.search(line, finished.stdout)
    assert found, finished.stdout[-2000:]
    # The 40 seeded due now, and any patient of the smoke database whose reminder time has passed by now.
    assert int(found[1].replace(",", "")) >= 40
    assert float(found[2]) < 30
