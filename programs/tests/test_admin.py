import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db.models.fields.files import FieldFile

from patients.tests.factories import PatientFactory
from programs import services
from programs.models import Program, ProgramChange, ProgramItem
from programs.tests.factories import (
    START,
    ExerciseFactory,
    ProgramTemplateFactory,
    TemplatePhaseFactory,
    make_template,
)

PROGRAMS = "/admin/programs/program/"


def form_data(response) -> dict:
    """What the browser would post back: the main form and every inline, as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for bound in form:
            value = bound.value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            data[bound.html_name] = "on" if value is True else value
    return data


def item_prefix(response, item) -> str:
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if form.instance.pk == item.pk and isinstance(form.instance, ProgramItem):
                return form.prefix
    raise AssertionError("item not in the editor")


# --- smoke tests: changelist, search, add, change for every ModelAdmin ------------------------------


@pytest.fixture
def library(program):
    return {
        "exercise": program.items.first().exercise,
        "programtemplate": program.template,
        "templatephase": program.template.phases.first(),
        "program": program,
        "programchange": program.changes.first(),
    }


@pytest.mark.parametrize(
    ("model", "user", "search"),
    [
        ("exercise", "editor", "Exercise"),
        ("exercise", "physio", "Exercise"),
        ("programtemplate", "physio", "Protocol"),
        ("templatephase", "physio", "Weeks"),
        ("program", "physio", "patient@test.example"),
        ("programchange", "physio", "Assigned"),
    ],
)
def test_changelist_search_and_change_pages_open(request, client, library, model, user, search):
    client.force_login(request.getfixturevalue(user))
    url = f"/admin/programs/{model}/"
    assert client.get(url).status_code == 200
    response = client.get(url, {"q": search})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert client.get(f"{url}{library[model].pk}/change/").status_code == 200


@pytest.mark.parametrize("model", ["exercise", "programtemplate", "templatephase"])
def test_add_pages_open(client, physio, model):
    client.force_login(physio)
    assert client.get(f"/admin/programs/{model}/add/").status_code == 200


def test_adding_a_programme_is_the_assign_page_with_the_patient_kept(client, physio, patient):
    """One door: "Add program" (and a link with ?patient=) opens the assign page, the patient chosen."""
    client.force_login(physio)
    response = client.get(f"{PROGRAMS}add/", {"patient": patient.pk})
    assert response.status_code == 302 and response["Location"] == f"{PROGRAMS}assign/?patient={patient.pk}"
    page = client.get(response["Location"])
    assert page.context["form"]["patient"].value() == str(patient.pk)
    assert page.context["form"]["physio"].value() == physio.pk


def test_change_history_cannot_be_added_or_edited(client, physio, program):
    client.force_login(physio)
    assert client.get("/admin/programs/programchange/add/").status_code == 403


def test_editor_adds_an_exercise(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/programs/exercise/add/",
        {
            "name": "Cat and camel",
            "slug": "cat-and-camel",
            "body_region": "lower-back",
            "kind": "mobility",
            "difficulty": 1,
            "summary": "Round and arch the back on hands and knees.",
            "instructions": "Kneel on all fours.\nRound the back.\nArch gently.",
            "sets": 1,
            "reps": 10,
            "hold_seconds": 0,
            "rest_seconds": 0,
            "times_per_day": 2,
            "days_per_week": 7,
            "duration_minutes": 0,
            "side": "none",
            "images-TOTAL_FORMS": 0,
            "images-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_absurd_default_dosage_is_refused_in_the_exercise_admin(client, editor):
    exercise = ExerciseFactory()
    client.force_login(editor)
    response = client.get(f"/admin/programs/exercise/{exercise.pk}/change/")
    data = form_data(response)
    data.update(sets=0, reps=10_000)
    response = client.post(f"/admin/programs/exercise/{exercise.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "sets" in errors and "reps" in errors


def test_template_item_without_an_exercise_is_refused_in_the_admin(client, physio):
    phase = TemplatePhaseFactory()
    client.force_login(physio)
    url = f"/admin/programs/templatephase/{phase.pk}/change/"
    data = form_data(client.get(url))
    data.update(
        {"items-TOTAL_FORMS": 1, "items-0-order": 1, "items-0-sets": 2, "items-0-reps": 10, "items-0-note": "x"}
    )
    response = client.post(url, data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors["exercise"] == ["This field is required."]
    assert not phase.items.exists()


# --- clinic scoping -----------------------------------------------------------------------------


def test_physio_lists_only_their_clinics_programs(client, physio, program, program2):
    client.force_login(physio)
    response = client.get(PROGRAMS)
    assert list(response.context["cl"].result_list) == [program]


@pytest.mark.parametrize("suffix", ["change/", "history/", "handout.pdf"])
def test_another_clinics_program_is_404_in_the_admin(client, physio, program2, suffix):
    client.force_login(physio)
    assert client.get(f"{PROGRAMS}{program2.pk}/{suffix}").status_code == 404


def test_another_clinics_changes_are_hidden(client, physio, program, program2):
    client.force_login(physio)
    response = client.get("/admin/programs/programchange/")
    assert {c.program_id for c in response.context["cl"].result_list} == {program.pk}


def test_templates_and_exercises_are_shared_between_clinics(client, physio2, program):
    client.force_login(physio2)
    assert client.get(f"/admin/programs/programtemplate/{program.template_id}/change/").status_code == 200
    exercise = program.items.first().exercise
    assert client.get(f"/admin/programs/exercise/{exercise.pk}/change/").status_code == 200


def test_physio_downloads_the_handout_from_the_admin(client, physio, program):
    client.force_login(physio)
    response = client.get(f"{PROGRAMS}{program.pk}/handout.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.getvalue().startswith(b"%PDF")  # served from the storage: a streaming response
    assert f"{PROGRAMS}{program.pk}/handout.pdf" in client.get(f"{PROGRAMS}{program.pk}/change/").content.decode()


# --- assigning ------------------------------------------------------------------------------------


def test_assign_page_assigns_a_template_through_the_service(client, physio, patient, template):
    client.force_login(physio)
    assert client.get(f"{PROGRAMS}assign/").status_code == 200
    response = client.post(
        f"{PROGRAMS}assign/", {"patient": patient.pk, "template": template.pk, "start_date": "2026-02-02", "goals": ""}
    )
    program = Program.objects.get(patient=patient)
    assert response.status_code == 302
    assert response["Location"] == f"{PROGRAMS}{program.pk}/change/"
    assert program.items.count() == 6
    assert program.changes.get().actor == physio


def test_assign_page_refuses_a_patient_of_another_clinic(client, physio, patient2, template):
    client.force_login(physio)
    response = client.post(
        f"{PROGRAMS}assign/", {"patient": patient2.pk, "template": template.pk, "start_date": "2026-02-02"}
    )
    assert response.status_code == 200
    assert "patient" in response.context["form"].errors
    assert not Program.objects.exists()


def test_assign_page_refuses_a_second_active_program_and_keeps_the_input(client, physio, program, template):
    client.force_login(physio)
    response = client.post(
        f"{PROGRAMS}assign/",
        {"patient": program.patient.pk, "template": template.pk, "start_date": "2026-02-02", "goals": "Typed goals"},
    )
    html = response.content.decode()
    assert services.ONE_ACTIVE_MESSAGE in html
    assert "Typed goals" in html
    assert Program.objects.count() == 1


def test_assign_page_assigns_from_scratch(client, physio, patient):
    client.force_login(physio)
    response = client.post(
        f"{PROGRAMS}assign/",
        {"patient": patient.pk, "physio": physio.pk, "start_date": "2026-02-02", "title": "", "goals": "Walk more"},
    )
    assert response.status_code == 302
    program = Program.objects.get(patient=patient)
    assert program.phases.count() == 1 and program.goals == "Walk more"


@pytest.mark.parametrize(
    ("patient_fixture", "message"),
    # Another clinic's patient is not even a choice: naming them in the error would leak their name.
    [("patient2", "Select a valid choice."), ("program", services.ONE_ACTIVE_MESSAGE)],
)
def test_assign_page_refuses_bad_assignments_with_a_clear_message(request, client, physio, patient_fixture, message):
    value = request.getfixturevalue(patient_fixture)
    patient = getattr(value, "patient", value)
    client.force_login(physio)
    data = {"patient": patient.pk, "physio": physio.pk, "start_date": "2026-02-02"}
    response = client.post(f"{PROGRAMS}assign/", data)
    assert response.status_code == 200
    assert message in response.content.decode()


# --- the program editor ---------------------------------------------------------------------------------


def test_editing_a_dosage_in_the_editor_goes_through_the_service(client, physio, program):
    client.force_login(physio)
    url = f"{PROGRAMS}{program.pk}/change/"
    response = client.get(url)
    item = program.items.order_by("pk").first()
    prefix = item_prefix(response, item)
    data = form_data(response)
    data[f"{prefix}-sets"] = 4
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    item.refresh_from_db()
    assert item.sets == 4
    change = program.changes.get(action=ProgramChange.Action.ITEM_UPDATED)
    assert (change.actor, change.before, change.after) == (physio, {"sets": 2}, {"sets": 4})


def test_absurd_dosage_in_the_editor_is_shown_next_to_the_field(client, physio, program):
    client.force_login(physio)
    url = f"{PROGRAMS}{program.pk}/change/"
    response = client.get(url)
    item = program.items.order_by("pk").first()
    prefix = item_prefix(response, item)
    data = form_data(response)
    data.update({f"{prefix}-sets": 0, f"{prefix}-reps": 10_000, f"{prefix}-hold_seconds": 86_400})
    response = client.post(url, data)
    assert response.status_code == 200
    form = next(f for i in response.context["inline_admin_formsets"] for f in i.formset.forms if f.prefix == prefix)
    assert set(form.errors) >= {"sets", "reps", "hold_seconds"}
    item.refresh_from_db()
    assert item.sets == 2


def test_a_phase_ending_before_it_starts_is_refused_in_the_editor(client, physio, program):
    client.force_login(physio)
    url = f"{PROGRAMS}{program.pk}/change/"
    data = form_data(client.get(url))
    data["phases-0-end_date"] = "2025-12-01"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "A phase cannot end before it starts." in response.content.decode()


def test_reordering_adding_and_removing_exercises_in_the_editor(client, physio, program):
    client.force_login(physio)
    url = f"{PROGRAMS}{program.pk}/change/"
    response = client.get(url)
    first, second = program.items.order_by("pk")[:2]
    data = form_data(response)
    data[f"{item_prefix(response, first)}-order"] = 9
    data[f"{item_prefix(response, second)}-DELETE"] = "on"
    new_exercise = ExerciseFactory(name="Bridge")
    total = int(data["items-TOTAL_FORMS"])
    new = f"items-{total - 1}"  # the empty extra row
    data.update(
        {
            f"{new}-order": 1,
            f"{new}-phase": program.current_phase_id,
            f"{new}-exercise": new_exercise.pk,
            f"{new}-sets": 2,
            f"{new}-reps": 8,
            f"{new}-hold_seconds": 0,
            f"{new}-rest_seconds": 0,
            f"{new}-times_per_day": 1,
            f"{new}-days_per_week": 5,
            f"{new}-duration_minutes": 0,
            f"{new}-side": "both",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.order == 9
    assert second.removed_at is not None
    assert program.items.current().filter(exercise=new_exercise, sets=2, reps=8).exists()
    actions = set(program.changes.values_list("action", flat=True))
    assert {"item_updated", "item_removed", "item_added"} <= actions


def test_the_editor_loads_the_sortable_script(client, physio, program):
    client.force_login(physio)
    html = client.get(f"{PROGRAMS}{program.pk}/change/").content.decode()
    assert "programs/admin-sortable.js" in html
    assert "sortable-inline" in html


# --- actions ---------------------------------------------------------------------------------------------


def _act(client, action, programs):
    return client.post(PROGRAMS, {"action": action, "_selected_action": [p.pk for p in programs]}, follow=True)


def test_actions_pause_resume_advance_and_complete(client, physio, program):
    client.force_login(physio)
    _act(client, "pause", [program])
    assert Program.objects.get(pk=program.pk).status == "paused"
    _act(client, "resume", [program])
    response = _act(client, "advance_phase", [program])
    assert "1 program moved to the next phase." in response.content.decode()
    program.refresh_from_db()
    assert program.current_phase.order == 2
    response = _act(client, "advance_phase", [program])
    assert "already in its last phase" in response.content.decode()
    _act(client, "complete", [program])
    assert Program.objects.get(pk=program.pk).status == "completed"


def test_an_action_refused_for_one_programme_names_it_and_logs_only_what_changed(client, physio, program):
    """The shared runner (portal/admin_actions.py): one refusal does not stop the rest; the admin log says who."""
    from django.contrib.admin.models import LogEntry

    client.force_login(physio)
    _act(client, "advance_phase", [program])
    html = _act(client, "advance_phase", [program]).content.decode()
    assert f"{program}: This program is already in its last phase" in html
    assert list(LogEntry.objects.values_list("user", "object_id", "change_message")) == [
        (physio.pk, str(program.pk), "Action: moved to the next phase")
    ]


def test_duplicate_action_makes_a_paused_copy(client, physio, program):
    client.force_login(physio)
    response = _act(client, "duplicate", [program])
    assert "1 program duplicated." in response.content.decode()
    copy = Program.objects.exclude(pk=program.pk).get()
    assert copy.status == "paused" and copy.items.count() == program.items.count()


def test_actions_cannot_reach_another_clinics_program(client, physio, program2):
    client.force_login(physio)
    _act(client, "pause", [program2])
    assert Program.objects.get(pk=program2.pk).status == "active"


# --- query counts -------------------------------------------------------------------------------------------


def _programs(count, clinic, physio):
    template = make_template(phases=2, items_per_phase=2)
    for _ in range(count):
        patient = PatientFactory(clinic=clinic, primary_physio=physio)
        program = services.assign_program(patient=patient, physio=physio, template=template, start_date=START)
        services.update_program_item(item=program.items.first(), actor=physio, sets=3)


def _count_queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_program_changelist_query_count_is_the_same_for_10_and_200_programs(
    client, physio, clinic, django_assert_max_num_queries
):
    client.force_login(physio)
    _programs(10, clinic, physio)
    client.get(PROGRAMS)  # the first request after force_login stamps the session (portal.sessions)
    small = _count_queries(client, PROGRAMS, django_assert_max_num_queries)
    assert small <= 12
    _programs(190, clinic, physio)
    with django_assert_max_num_queries(small):
        response = client.get(PROGRAMS + "?all=")
    assert response.context["cl"].result_count == 200
    assert len(response.context["cl"].result_list) == 200


def test_program_editor_query_count_is_the_same_for_5_and_50_exercises_and_10_and_200_programs(
    client, physio, clinic, django_assert_max_num_queries
):
    client.force_login(physio)
    ExerciseFactory.create_batch(5)
    _programs(10, clinic, physio)
    program = Program.objects.order_by("pk").first()
    url = f"{PROGRAMS}{program.pk}/change/"
    small = _count_queries(client, url, django_assert_max_num_queries)
    ExerciseFactory.create_batch(45)
    _programs(190, clinic, physio)
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200


def test_program_editor_query_count_does_not_grow_per_exercise_row(
    client, physio, patient, django_assert_max_num_queries
):
    client.force_login(physio)
    program = services.assign_program(
        patient=patient, physio=physio, template=make_template(phases=2, items_per_phase=2), start_date=START
    )
    url = f"{PROGRAMS}{program.pk}/change/"
    small = _count_queries(client, url, django_assert_max_num_queries)
    for _ in range(20):
        services.add_program_item(program=program, actor=physio, exercise=ExerciseFactory())
    with django_assert_max_num_queries(small):
        assert client.get(url).status_code == 200


def test_role_table_for_the_program_admin(client, program, editor):
    client.force_login(editor)
    assert client.get(PROGRAMS).status_code == 403
    patient_user = program.patient.user
    client.force_login(patient_user)
    assert client.get(PROGRAMS).status_code == 302  # not staff: sent to the admin login
    assert get_user_model().objects.filter(pk=patient_user.pk, is_staff=False).exists()


def test_template_admin_is_shared_and_editable(client, physio):
    template = ProgramTemplateFactory()
    client.force_login(physio)
    assert client.get(f"/admin/programs/programtemplate/{template.pk}/change/").status_code == 200


def test_adding_a_phase_in_the_editor_is_recorded(client, physio, program):
    client.force_login(physio)
    url = f"{PROGRAMS}{program.pk}/change/"
    data = form_data(client.get(url))
    total = int(data["phases-TOTAL_FORMS"])
    data.update(
        {
            "phases-TOTAL_FORMS": total + 1,
            f"phases-{total}-order": 3,
            f"phases-{total}-title": "Weeks 5–8: keep going",
            f"phases-{total}-start_date": "2026-02-02",
            f"phases-{total}-end_date": "2026-03-01",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert program.phases.filter(title="Weeks 5–8: keep going").exists()
    assert program.changes.filter(action=ProgramChange.Action.PHASE_ADDED, actor=physio).exists()


def test_template_phase_editor_query_count_does_not_grow_per_exercise_row(
    client, physio, django_assert_max_num_queries
):
    from programs.tests.factories import TemplateItemFactory

    phase = TemplatePhaseFactory()
    TemplateItemFactory.create_batch(3, phase=phase)
    client.force_login(physio)
    url = f"/admin/programs/templatephase/{phase.pk}/change/"
    small = _count_queries(client, url, django_assert_max_num_queries)
    last = TemplateItemFactory.create_batch(27, phase=phase)[-1]
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert f">{last.exercise.name}</option>" in response.content.decode()
