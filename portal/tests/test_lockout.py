"""Login and lockout agree on who an address is, and on who the client is behind the TLS proxy."""

import pytest
from axes.models import AccessAttempt

from portal.models import AuditEvent
from portal.security import client_ip, normalise_email

LOGIN = "/accounts/login/"
WRONG = "not-the-password"


def log_in(client, username, password, **meta):
    return client.post(LOGIN, {"username": username, "password": password}, **meta)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_dotless_i_does_not_log_in_as_another_account(client, editor, password):
    assert normalise_email("EDİTOR@test.example ") != normalise_email("edıtor@test.example")
    log_in(client, "edıtor@test.example", password)
    assert not logged_in(client)


def test_every_spelling_of_an_address_counts_towards_one_lockout(client, editor, password, settings):
    for spelling in ("editor@test.example", "EDITOR@test.example", " Editor@Test.Example", "editor@TEST.example"):
        log_in(client, spelling, WRONG)
    log_in(client, "editor@test.example", WRONG)  # the fifth failure

    response = log_in(client, "editor@test.example", password)
    assert response.status_code == 429 and not logged_in(client)
    assert AccessAttempt.objects.get().username == "editor@test.example"


@pytest.fixture
def behind_one_proxy(settings):
    settings.PROXY_COUNT = 1
    return {"REMOTE_ADDR": "10.0.0.2"}  # the TLS proxy


def test_behind_the_proxy_a_stranger_cannot_lock_the_user_out(client, editor, password, behind_one_proxy):
    stranger = {**behind_one_proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for _ in range(6):
        log_in(client, editor.email, WRONG, **stranger)
    assert log_in(client, editor.email, password, **stranger).status_code == 429

    owner = {**behind_one_proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    log_in(client, editor.email, password, **owner)
    assert logged_in(client)


def test_a_forged_forwarded_for_is_ignored(rf, settings, behind_one_proxy):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7", **behind_one_proxy)
    assert client_ip(request) == "198.51.100.7"  # the address the proxy saw, not what the client wrote
    settings.PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"


def test_failures_during_a_lockout_do_not_extend_it(client, editor, settings):
    for _ in range(5):
        log_in(client, editor.email, WRONG)
    locked_at = AccessAttempt.objects.get().attempt_time
    log_in(client, editor.email, WRONG)
    assert AccessAttempt.objects.get().attempt_time == locked_at


def test_the_audit_trail_records_the_client_behind_the_proxy(client, physio, patient, behind_one_proxy):
    client.force_login(physio)
    client.get(f"/admin/portal/patient/{patient.pk}/change/", HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_one_proxy)
    assert AuditEvent.objects.filter(action="view").get().ip_address == "198.51.100.7"
