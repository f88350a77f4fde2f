"""Issue 19's done-when, in Chromium at 375 px: the patient plays a whole session with the session player (a timed
exercise and a hold exercise, the clock advanced by the test), scores pain per exercise, goes offline, saves the
session, comes back online, and exactly one session is recorded. Once in English, once in Spanish; the Spanish
patient also ticks a red flag while offline and is told plainly that nobody knows yet."""

import re
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from patients.models import RedFlagReport, SessionLog
from programs.models import Side
from programs.services import assign_program
from programs.tests.factories import ExerciseFactory
from testing.services import login, screenshot, wait_until

pytestmark = pytest.mark.browser

WORDS = {
    "en": {
        "start": "Start session",
        "timed": "Start (2:00)",
        "hold": "Start the 5-second hold",
        "saved": "Session saved",
    },
    "es": {
        "start": "Empezar la sesión",
        "timed": "Empezar (2:00)",
        "hold": "Empezar a mantener 5 segundos",
        "saved": "Sesión guardada",
    },
}


@pytest.fixture
def routine(transactional_db, require_postgres, patient, physio):
    today = patient.local_today()
    program = assign_program(patient=patient, physio=physio, start_date=today - timedelta(days=1))
    phase = program.current_phase
    walk = program.items.create(
        phase=phase,
        order=0,
        exercise=ExerciseFactory(name="Brisk walk", kind="aerobic"),
        duration_minutes=2,
        sets=1,
        reps=1,
        hold_seconds=0,
        rest_seconds=0,
        side=Side.NONE,
    )
    bridge = program.items.create(
        phase=phase,
        order=1,
        exercise=ExerciseFactory(name="Bridge"),
        sets=2,
        reps=2,
        hold_seconds=5,
        rest_seconds=10,
        side=Side.BOTH,
    )
    return program, walk, bridge


def advance(page, seconds: float) -> None:
    page.clock.run_for(int(seconds * 1000))


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_whole_session_played_then_saved_offline_is_recorded_once(
    language, routine, patient, password, _chromium, live_server
):
    program, walk, bridge = routine
    patient.language = language
    patient.save(update_fields=["language"])
    words = WORDS[language]
    context = _chromium.new_context(base_url=live_server.url, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        login(page, patient.user.email, password)
        page.clock.install()
        page.goto("/my/")
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()  # now through the service worker, which keeps a copy
        assert page.evaluate("!!navigator.serviceWorker.controller")

        page.get_by_role("button", name=words["start"]).click()
        player = page.locator("#player")
        main = player.locator("[data-player-main]")

        # The timed exercise: two minutes, counted down.
        assert page.locator(f"li[data-item='{walk.pk}']").locator("#player").is_visible()
        main.click()
        assert main.inner_text() != words["timed"]  # it became "Pause"
        advance(page, 60)
        assert player.locator("[data-player-clock]").inner_text() == "1:00"
        advance(page, 61)
        walk_card = page.locator(f"li[data-item='{walk.pk}']")
        assert walk_card.locator(f"[name=done_{walk.pk}]").is_checked()
        assert walk_card.locator(f"[name=minutes_{walk.pk}]").input_value() == "2"
        walk_card.locator(f"[name=pain_{walk.pk}]").fill("3")
        assert not page.locator("#finish-heading").is_visible()  # the session's questions wait for the end
        if language == "en":
            results = Axe().run(page)
            assert results.violations_count == 0, results.generate_report()
        player.locator("[data-player-next]").click()

        # The hold exercise: 2 sets of 2 reps, a 5-second hold each, 10 seconds' rest between the sets.
        assert page.locator(f"li[data-item='{bridge.pk}']").locator("#player").is_visible()
        assert main.inner_text() == words["hold"]
        for set_number in (1, 2):
            for rep in (1, 2):
                main.click()
                if (set_number, rep) == (1, 1) and language == "en":
                    advance(page, 2)
                    screenshot(page, "patient-session-player")  # mid-hold, as the patient sees it
                    results = Axe().run(page)
                    assert results.violations_count == 0, results.generate_report()
                    advance(page, 3.5)
                else:
                    advance(page, 5.5)
            if set_number == 1:
                assert main.is_visible()  # the rest countdown, with "Pause"
                advance(page, 10.5)
        bridge_card = page.locator(f"li[data-item='{bridge.pk}']")
        assert bridge_card.locator(f"[name=sets_{bridge.pk}]").input_value() == "2"
        assert bridge_card.locator(f"[name=reps_{bridge.pk}]").input_value() == "2"
        bridge_card.locator(f"[name=pain_{bridge.pk}]").fill("4")
        bridge_card.locator(f"[name=effort_{bridge.pk}]").select_option("about_right")
        player.locator("[data-player-finish]").click()

        # How it went, then saved with no connection.
        page.locator("[name=pain_before]").fill("5")
        page.locator("[name=pain_after]").fill("4")
        page.locator("[name=difficulty][value=about_right]").check()
        flag = "none" if language == "en" else "spreading_pain"
        page.locator(f"[name=red_flags][value={flag}]").check()
        context.set_offline(True)
        page.locator("form.session-form button[type=submit]").click()
        assert page.locator("[data-offline-queued]").is_visible()
        if language == "es":
            warning = page.locator("[data-offline-red-flags]")
            assert warning.is_visible() and "no se ha avisado a nadie" in warning.inner_text()
            assert not RedFlagReport.objects.filter(patient=patient).exists()
        assert not SessionLog.objects.filter(patient=patient).exists()

        # Opened again without a connection: the copy kept by the service worker, still waiting to be sent.
        page.reload()
        assert page.locator("[data-offline-queued]").is_visible()
        assert bridge_card.is_visible()
        if language == "es":
            screenshot(page, "patient-today-offline-es")
            results = Axe().run(page)  # the warnings as shown, in Spanish
            assert results.violations_count == 0, results.generate_report()

        context.set_offline(False)
        page.wait_for_url(re.compile(r"/my/sessions?/\d+/"))
        assert page.get_by_role("heading", name=words["saved"]).is_visible()
        page.goto("/my/")  # nothing left to send
        page.reload()
        wait_until(lambda: SessionLog.objects.filter(patient=patient).count() == 1, what="the session")
    finally:
        context.close()

    (session,) = SessionLog.objects.filter(patient=patient)
    logs = {log.item_id: log for log in session.exercises.all()}
    assert (logs[walk.pk].minutes_done, logs[walk.pk].pain) == (2, 3)
    assert (logs[bridge.pk].sets_done, logs[bridge.pk].reps_done, logs[bridge.pk].pain) == (2, 2, 4)
    assert logs[bridge.pk].difficulty == "about_right" and (session.pain_before, session.pain_after) == (5, 4)
    if language == "es":
        assert session.red_flags == ["spreading_pain"]
        assert RedFlagReport.objects.filter(patient=patient).count() == 1
