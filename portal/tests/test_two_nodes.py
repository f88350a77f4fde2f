"""Scale-out, as compose's `scale` profile runs it: two gunicorn nodes on one PostgreSQL and one Redis cache.

A change made through one node shows at once on the other node's cached pages: the public library (anonymous
page cache) and the patient's Today page (per-patient cache). That two workers never send an email twice is
`portal/tests/test_outbox_faults.py::test_same_email_enqueued_ten_times_to_two_racing_workers_is_sent_once`.
"""

import os
import subprocess
import sys
import time
import urllib.request

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from portal.demo import DEMO_PASSWORD
from portal.models import User
from programs.models import Exercise
from testing.services import _database_url, free_port, login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.redis]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


@pytest.fixture
def two_nodes(require_postgres, redis_url, cache_redis_url, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    # The tests hash with MD5 for speed; the nodes know only the production hashers.
    hashed = PBKDF2PasswordHasher().encode(DEMO_PASSWORD, "two-nodes-salt", iterations=1000)
    User.objects.filter(email__in=["editor@example.com", "patient@example.com"]).update(password=hashed)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CACHE_REDIS_URL": cache_redis_url,
        "DEBUG": "1",
        "STAFF_2FA_REQUIRED": "0",
        "CONN_MAX_AGE": "0",
    }
    nodes = []
    for _ in range(2):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        nodes.append((f"http://127.0.0.1:{port}", subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)))
    try:
        for url, process in nodes:
            deadline = time.monotonic() + 30
            while True:
                try:
                    get(f"{url}/healthz")
                    break
                except OSError:
                    assert process.poll() is None and time.monotonic() < deadline, f"{url} did not start"
                    time.sleep(0.2)
        yield [url for url, _process in nodes]
    finally:
        for _url, process in nodes:
            process.terminate()
            process.wait(timeout=10)


def test_a_change_through_one_node_shows_at_once_on_the_others_cached_pages(two_nodes, cache_redis_url, _chromium):
    node_a, node_b = two_nodes
    exercise = Exercise.objects.order_by("name").first()
    library_page = f"{node_b}/exercises/"
    assert exercise.summary in get(library_page)
    assert redis.Redis.from_url(cache_redis_url).keys("*page:exercises:list*")  # node B cached it

    # One browser per person and node (cookies apart); the session itself lives in the shared database.
    nodes = [("editor", node_a), ("patient on b", node_b), ("patient on a", node_a)]
    contexts = {name: _chromium.new_context(base_url=url) for name, url in nodes}
    try:
        editor = contexts["editor"].new_page()
        login(editor, "editor@example.com", DEMO_PASSWORD)
        editor.goto(f"/admin/programs/exercise/{exercise.pk}/change/")
        # A field that is not clinical text, so it is saved at once (a change to the text waits for approval).
        label = "Challenging" if exercise.difficulty != Exercise.Difficulty.CHALLENGING else "Gentle"
        before = get(library_page).count(label)
        editor.get_by_label("Difficulty").select_option(label=label)
        with editor.expect_navigation():
            editor.get_by_role("button", name="Save", exact=True).click()
        assert "was changed successfully" in editor.locator(".messagelist").inner_text()
        assert get(library_page).count(label) == before + 1

        on_b = contexts["patient on b"].new_page()
        login(on_b, "patient@example.com", DEMO_PASSWORD)
        on_b.goto("/my/")
        assert on_b.get_by_role("heading", name="You have logged 1 session today").count() == 0
        on_b.reload()  # the cached copy

        on_a = contexts["patient on a"].new_page()
        login(on_a, "patient@example.com", DEMO_PASSWORD)
        on_a.goto("/my/")
        on_a.get_by_role("checkbox", name="I did ").first.check()
        on_a.get_by_label("Pain before you started").fill("5")
        on_a.get_by_label("Pain after you finished").fill("3")
        on_a.get_by_role("radio", name="About right").check()
        on_a.get_by_role("checkbox", name="None of these").check()
        with on_a.expect_navigation():
            on_a.get_by_role("button", name="Save my session").click()

        on_b.reload()
        assert on_b.get_by_role("heading", name="You have logged 1 session today").is_visible()
    finally:
        for context in contexts.values():
            context.close()
