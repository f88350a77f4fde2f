import re
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.seed_scale import historical_dates
from patients.models import Alert, CheckIn, ExerciseLog, SessionLog
from patients.scoring import ODI_BANDS
from programs.services import pause_program

TODAY_URL = "/my/"


def items_of(program):
    return list(program.items.current().filter(phase=program.current_phase))


def session_post(program, today, **overrides):
    data = {
        "token": str(uuid.uuid4()),
        "performed_on": today.isoformat(),
        "pain_before": "4",
        "pain_after": "3",
        "difficulty": "about_right",
        "note": "Felt stiff in the morning, better after.",
        "red_flags": ["none"],
    }
    for item in items_of(program):
        data.update(
            {f"done_{item.pk}": "on", f"sets_{item.pk}": "2", f"reps_{item.pk}": "10", f"side_{item.pk}": "left"}
        )
    data.update(overrides)
    return data


def history(patient, program, days: int, today):
    """`days` daily sessions up to yesterday, each with every current item, and weekly Oswestry check-ins."""
    items = items_of(program)
    sessions = SessionLog.objects.bulk_create(
        SessionLog(
            patient=patient,
            program=program,
            phase=program.current_phase,
            performed_on=today - timedelta(days=day),
            pain_before=5,
            pain_after=3,
            difficulty="about_right",
            token=uuid.uuid4(),
        )
        for day in range(1, days + 1)
    )
    ExerciseLog.objects.bulk_create(
        ExerciseLog(session=s, item=i, sets_done=2, reps_done=10, side="left", prescribed=i.prescribed_dosage())
        for s in sessions
        for i in items
    )
    with historical_dates((CheckIn, "submitted_at")):
        CheckIn.objects.bulk_create(
            CheckIn(
                patient=patient,
                questionnaire=questionnaire,
                answers={},
                score=score,
                band=next(name for upper, name in ODI_BANDS if score <= upper) if questionnaire == "odi" else "",
                token=uuid.uuid4(),
                submitted_at=timezone.now() - timedelta(days=day),
            )
            for day in range(0, days, 7)
            for questionnaire, score in [("odi", 30 + day // 7), ("psfs", 7 - day // 14)]
            if score >= 0
        )


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def test_today_lists_the_current_phase_with_dosage_in_words_and_steps(patient_client, program):
    response = patient_client.get(TODAY_URL)

    html = response.content.decode()
    for item in items_of(program):
        assert item.exercise.name in html
    assert "2 sets of 12, hold for 10 seconds" in html
    assert 'data-hold="10"' in html and 'id="player-text"' in html  # the session player's dosage and words
    assert 'name="pain_before"' in html


def test_logging_a_session_records_it_and_shows_what_was_saved(patient_client, patient, program, today):
    response = patient_client.post(TODAY_URL, session_post(program, today), follow=True)

    session = SessionLog.objects.get(patient=patient)
    assert response.redirect_chain[-1][0] == f"/my/sessions/{session.pk}/"
    assert session.exercises.count() == 3 and session.pain_before == 4
    assert "Session saved" in response.content.decode()
    for item in items_of(program):
        assert item.exercise.name in response.content.decode()


def test_the_saved_session_page_reads_its_exercises_in_one_query(
    patient_client, patient, program, today, django_assert_num_queries
):
    patient_client.post(TODAY_URL, session_post(program, today))
    session = SessionLog.objects.get(patient=patient)
    # session, user with patient, the session log, its exercises with their items and exercises
    with django_assert_num_queries(4):
        patient_client.get(f"/my/sessions/{session.pk}/")


def test_a_double_submit_records_one_session(patient_client, patient, program, today):
    data = session_post(program, today)
    patient_client.post(TODAY_URL, data)
    patient_client.post(TODAY_URL, data)

    assert SessionLog.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("pain_after", "11", "Pain is scored from 0 to 10."),
        ("pain_before", "", "Score your pain from 0 to 10."),
        ("sets", "-1", "This cannot be negative."),
        ("reps", "101", "This can be at most 100."),
        ("performed_on", "future", "The date cannot be in the future."),
    ],
)
def test_out_of_range_values_are_refused_next_to_the_field_keeping_what_was_typed(
    patient_client, patient, program, today, field, typed, message
):
    item = items_of(program)[0]
    name = f"{field}_{item.pk}" if field in ("sets", "reps") else field
    if typed == "future":
        typed = (today + timedelta(days=1)).isoformat()
    response = patient_client.post(TODAY_URL, session_post(program, today, **{name: typed}))

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="error_1_id_{name}"' in html  # crispy puts the error under the field
    assert f'name="{name}" value="{typed}"' in html or typed == ""
    assert not SessionLog.objects.exists()


def test_a_session_needs_at_least_one_exercise_ticked(patient_client, program, today):
    data = {k: v for k, v in session_post(program, today).items() if not k.startswith("done_")}
    response = patient_client.post(TODAY_URL, data)

    assert "for at least one exercise you did" in response.content.decode()
    assert not SessionLog.objects.exists()


def test_red_flags_in_a_session_show_the_emergency_advice_and_alert_the_physio(patient_client, patient, program, today):
    response = patient_client.post(TODAY_URL, session_post(program, today, red_flags=["urine_control"]), follow=True)

    html = response.content.decode()
    assert "Get emergency help now" in html and "red-flag-advice d-none" not in html
    assert Alert.objects.get(patient=patient).severity == Alert.Severity.CRITICAL


def test_already_logged_today_shows_the_session_and_allows_another(patient_client, log, program):
    log(pain_before=2, pain_after=1)

    html = patient_client.get(TODAY_URL).content.decode()
    assert "You have logged 1 session today" in html
    assert "pain 2 before, 1 after" in html
    assert "Save my session" in html


@pytest.mark.parametrize("state", ["no program", "paused", "nothing due"])
def test_today_empty_states(patient_client, patient, physio, program, log, state):
    expected = {
        "no program": "You do not have an exercise programme yet",
        "paused": "is paused by your physiotherapist",
        "nothing due": "Nothing is due today",
    }[state]
    if state == "no program":
        program.patient.programs.update(status="completed")
    elif state == "paused":
        pause_program(program=program, actor=physio)
    else:
        program.items.update(days_per_week=1)
        log()

    html = patient_client.get(TODAY_URL).content.decode()
    assert expected in html
    assert "Save my session" not in html


def test_a_paused_program_takes_no_sessions(patient_client, patient, physio, program, today):
    data = session_post(program, today)
    pause_program(program=program, actor=physio)
    patient_client.post(TODAY_URL, data)

    assert not SessionLog.objects.exists()


@pytest.mark.parametrize("url", [TODAY_URL, "/my/progress/"])
def test_query_count_is_the_same_with_a_week_or_a_year_of_logs(patient_client, patient, program, today, log, url):
    log()  # one session today in both cases
    history(patient, program, 7, today)
    patient_client.get(url)  # the first request after logging in writes the session once
    with CaptureQueriesContext(connection) as week:
        assert patient_client.get(url).status_code == 200
    history(patient, program, 365, today - timedelta(days=7))
    with CaptureQueriesContext(connection) as year:
        assert patient_client.get(url).status_code == 200

    assert len(year) == len(week), [q["sql"] for q in year.captured_queries]
    assert len(week) <= 16


def test_progress_shows_pain_adherence_scores_and_recent_notes(patient_client, patient, program, today, log):
    history(patient, program, 20, today)
    log(note="Bridges were easy today")

    html = patient_client.get("/my/progress/").content.decode()
    assert "Pain before and after exercise" in html
    assert html.count('class="adherence-done"') == 21
    assert "Oswestry disability score" in html
    assert "Bridges were easy today" in html
    assert timezone.localdate().strftime("%-d %b %Y") in html  # today's point in the table of numbers


# --- Timed exercises, per-exercise pain and effort, "too painful, I stopped" -----------------------------------


def test_a_timed_exercise_is_logged_in_minutes_with_pain_and_effort_per_exercise(patient_client, program, today):
    walk, held, third = items_of(program)
    walk.duration_minutes, walk.sets, walk.side = 10, 1, "none"
    walk.save()

    html = patient_client.get(TODAY_URL).content.decode()
    assert f'name="minutes_{walk.pk}"' in html and f'name="reps_{walk.pk}"' not in html
    assert f'name="sets_{walk.pk}"' not in html and f'name="side_{walk.pk}"' not in html  # 1 round, no side

    data = session_post(program, today)
    for name in ("sets", "reps", "side"):
        del data[f"{name}_{walk.pk}"]
    del data[f"done_{third.pk}"]  # skipped: not logged
    data.update({f"minutes_{walk.pk}": "8", f"pain_{walk.pk}": "2", f"effort_{held.pk}": "too_hard"})
    data.update({f"stopped_{held.pk}": "on", f"sets_{held.pk}": "1", f"pain_{held.pk}": "7"})
    del data[f"done_{held.pk}"]  # stopped part-way instead of done
    response = patient_client.post(TODAY_URL, data, follow=True)

    assert response.status_code == 200, response.content.decode()[:500]
    session = SessionLog.objects.get()
    logs = {log.item_id: log for log in session.exercises.all()}
    assert set(logs) == {walk.pk, held.pk}
    assert (logs[walk.pk].minutes_done, logs[walk.pk].sets_done, logs[walk.pk].pain) == (8, 1, 2)
    assert logs[held.pk].stopped_for_pain and (logs[held.pk].pain, logs[held.pk].difficulty) == (7, "too_hard")
    page = response.content.decode()
    assert "8 minutes" in page and "1 set of 10, stopped: too painful" in page


def test_per_exercise_pain_out_of_range_is_explained_and_nothing_typed_is_lost(patient_client, program, today):
    first = items_of(program)[0]
    response = patient_client.post(TODAY_URL, session_post(program, today, **{f"pain_{first.pk}": "12"}))
    html = response.content.decode()
    assert "Pain is scored from 0 to 10." in html and 'value="12"' in html
    assert "Felt stiff in the morning" in html
    assert not SessionLog.objects.exists()


def test_an_exercise_stopped_for_pain_is_still_due_this_week(patient_client, patient, program, today, log):
    item = items_of(program)[0]
    item.days_per_week = 1
    item.save()
    log(exercises=[{"item": item, "sets_done": 1, "reps_done": 3, "side": item.side, "stopped_for_pain": True}])
    html = patient_client.get(TODAY_URL).content.decode()
    assert f'name="done_{item.pk}"' in html


@pytest.mark.parametrize("url", [TODAY_URL, "/my/progress/"])
def test_a_first_visit_of_the_day_with_a_year_of_history_takes_at_most_eight_queries(
    patient_client, patient, program, today, url
):
    history(patient, program, 365, today - timedelta(days=1))
    patient_client.get(url)  # the first request after logging in writes the session once
    cache.clear()  # a miss: nothing in the page cache, as on the day's first visit
    with CaptureQueriesContext(connection) as queries:
        assert patient_client.get(url).status_code == 200

    assert len(queries) <= 8, [q["sql"] for q in queries.captured_queries]  # session, user with patient, page


def test_todays_fields_carry_bootstraps_classes_and_mark_the_ones_in_error(patient_client, program, today):
    item = items_of(program)[0]
    data = session_post(program, today, **{f"sets_{item.pk}": "-1"})
    del data["difficulty"]
    html = patient_client.post(TODAY_URL, data).content.decode()

    sets = re.search(rf'<input[^>]*name="sets_{item.pk}"[^>]*>', html)[0]
    assert 'class="form-control is-invalid"' in sets and 'aria-invalid="true"' in sets, sets
    assert re.search(r'type="radio" name="difficulty"[^>]*class="form-check-input is-invalid"', html)
    assert re.search(rf'type="checkbox" name="done_{item.pk}"[^>]*class="form-check-input"', html)
    assert re.search(r'type="checkbox" name="red_flags"[^>]*class="form-check-input"', html)
    assert 'id="error_1_id_difficulty"' in html and "Choose how hard it was." in html


def test_todays_fields_escape_an_exercise_name_and_keep_what_was_typed(patient_client, program, today):
    """The field templates are Jinja2 (patients/jinja2/): an exercise's name in a label is text, not markup."""
    item = items_of(program)[0]
    item.exercise.name = '<img src=x onerror="alert(1)">Bridge'
    item.exercise.save()
    data = session_post(program, today, **{f"sets_{item.pk}": "-1", "note": '<b>"sore"</b>'})
    html = patient_client.post(TODAY_URL, data).content.decode()

    assert "<img src=x" not in html and "I did &lt;img src=x onerror=&#34;alert(1)&#34;&gt;Bridge" in html
    note = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.DOTALL)[1]
    assert note.strip() == "&lt;b&gt;&#34;sore&#34;&lt;/b&gt;", note  # what was typed is kept, escaped
