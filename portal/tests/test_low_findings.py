"""Smaller hardening: handouts are never cached, exports hold no live formulas, compose needs a SECRET_KEY,
handout downloads by staff are audited."""

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from patients import exports, selectors
from patients import services as patient_services
from portal.models import AuditEvent
from programs.services import assign_program
from testing.services import missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def program(patient, physio):
    return assign_program(patient=patient, physio=physio, start_date=patient.created_at.date())


@pytest.mark.parametrize("suffix", ["handout/", "handout.pdf"])
def test_a_patients_handout_is_never_stored_by_a_browser_or_proxy(client, patient, program, suffix):
    client.force_login(patient.user)
    response = client.get(f"/my/programs/{program.pk}/{suffix}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_staff_handout_download_is_audited_and_not_cached(client, physio, program):
    client.force_login(physio)
    response = client.get(f"/admin/programs/program/{program.pk}/handout.pdf")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert AuditEvent.objects.filter(action="export", model="programs.Program", object_id=str(program.pk)).exists()


def test_the_csv_export_holds_no_live_formula(patient, program):
    patient_services.log_session(
        patient=patient,
        program=program,
        performed_on=patient.created_at.date(),
        pain_before=3,
        pain_after=2,
        difficulty="about_right",
        note='=HYPERLINK("http://evil.example","click")',
        red_flags=[],
        exercises=[],
        token=uuid.uuid4(),
    )
    rows = list(csv.reader(io.StringIO(exports.export_csv(selectors.export_data(patient)))))
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil.example","click")' in cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "@"))]


def test_compose_refuses_to_start_without_a_secret_key():
    if not shutil.which("docker-compose"):
        missing("needs docker-compose (apt-get install docker-compose) to read docker-compose.yml")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    command = ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    accepted = subprocess.run(command, env={**env, "SECRET_KEY": "x" * 60}, capture_output=True, text=True, cwd=ROOT)
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.parametrize("concurrency, workers", [(None, os.cpu_count() or 1), ("3", 3)])
def test_gunicorn_started_in_the_project_reads_its_workers_from_gunicorn_conf(concurrency, workers):
    env = {k: v for k, v in os.environ.items() if k != "WEB_CONCURRENCY"}
    if concurrency:
        env["WEB_CONCURRENCY"] = concurrency
    command = [sys.executable, "-m", "gunicorn", "--print-config", "portal.wsgi"]
    printed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT, timeout=60).stdout
    assert re.search(rf"^workers\s+= {workers}$", printed, re.MULTILINE), printed[-2000:]
