"""Logs say when, how bad and where from (JSON on request), and errors reach someone: Sentry or ADMINS."""

import json
import os
import subprocess
import sys

SETUP = "import django, logging; django.setup(); "


def run(code: str, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1", **env}
    return subprocess.run([sys.executable, "-c", SETUP + code], env=environment, capture_output=True, text=True)


def test_a_log_line_has_time_level_and_logger():
    line = run("logging.getLogger('portal.example').warning('disk nearly full')").stderr.strip().splitlines()[-1]
    assert " WARNING portal.example disk nearly full" in line and line[:4].isdigit()


def test_log_format_json_writes_one_object_a_line():
    line = run("logging.getLogger('portal.example').error('smtp down')", LOG_FORMAT="json").stderr.splitlines()[-1]
    record = json.loads(line)
    assert (record["levelname"], record["name"], record["message"]) == ("ERROR", "portal.example", "smtp down")
    assert record["asctime"]


def test_with_a_sentry_dsn_errors_go_to_sentry_from_the_site_and_the_workers():
    code = "import sentry_sdk; c = sentry_sdk.get_client(); print(c.is_active(), sorted(c.integrations))"
    out = run(code, SENTRY_DSN="https://key@127.0.0.1:9/1").stdout
    assert out.startswith("True") and "'django'" in out and "'celery'" in out


def test_without_sentry_request_and_task_errors_are_emailed_to_admins():
    code = (
        "from django.conf import settings; "
        "print(settings.ADMINS, [type(h).__name__ for n in ('django.request', 'celery') "
        "for h in logging.getLogger(n).handlers])"
    )
    out = run(code, ADMINS="Ops Team <ops@clinic.example>").stdout
    assert "('Ops Team', 'ops@clinic.example')" in out
    assert out.count("AdminEmailHandler") == 2
