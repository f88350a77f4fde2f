import shutil
import subprocess

import pytest
from django.urls import reverse

from programs import services
from programs.models import Exercise
from programs.tests.factories import ExerciseFactory, ExerciseImageFactory
from testing.services import missing


def _exercises(count):
    exercises = ExerciseFactory.create_batch(count)
    for exercise in exercises:
        ExerciseImageFactory(exercise=exercise)
    return exercises


# --- /exercises/ ------------------------------------------------------------------------------------


def test_exercise_list_shows_names_and_links(client, db):
    exercise = ExerciseFactory(name="Knee to chest", slug="knee-to-chest")
    html = client.get("/exercises/").content.decode()
    assert "Knee to chest" in html
    assert exercise.get_absolute_url() in html


def test_exercise_list_filters_by_body_region_and_kind(client, db):
    ExerciseFactory(name="Hip stretch", body_region="hips", kind="stretch")
    ExerciseFactory(name="Hip strength", body_region="hips", kind="strengthening")
    ExerciseFactory(name="Back stretch", body_region="lower-back", kind="stretch")
    html = client.get("/exercises/", {"body_region": "hips", "kind": "stretch"}).content.decode()
    assert "Hip stretch" in html
    assert "Hip strength" not in html and "Back stretch" not in html


def test_exercise_list_paginates_and_keeps_the_filter(client, db):
    ExerciseFactory.create_batch(15, kind="mobility")
    response = client.get("/exercises/", {"kind": "mobility"})
    assert len(response.context["page"].object_list) == 12
    assert "kind=mobility&amp;page=2" in response.content.decode()
    second = client.get("/exercises/", {"kind": "mobility", "page": 2})
    assert len(second.context["page"].object_list) == 3


def test_exercise_list_has_an_empty_state(client, db):
    html = client.get("/exercises/").content.decode()
    assert "There are no exercises in the library yet" in html
    ExerciseFactory(kind="stretch")
    html = client.get("/exercises/", {"kind": "aerobic"}).content.decode()
    assert "No exercises match these filters" in html


def test_exercise_list_ignores_an_unknown_filter_value(client, db):
    ExerciseFactory(name="Anything")
    response = client.get("/exercises/", {"kind": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_exercise_list_query_count_does_not_grow_with_the_library(
    client, db, count, django_assert_num_queries, patient
):
    _exercises(count)
    with django_assert_num_queries(3):  # count, page, images of the page
        response = client.get("/exercises/")
    assert response.status_code == 200
    with django_assert_num_queries(0):  # an anonymous visitor's next request comes from the cache
        assert client.get("/exercises/").status_code == 200
    client.force_login(patient.user)
    client.get("/exercises/")  # the first request after a login stamps the session (portal.sessions)
    # session, the user with their patient record and clinic (portal.backends), the same 3
    with django_assert_num_queries(5):
        assert client.get("/exercises/").status_code == 200


def test_cached_exercise_list_changes_when_an_exercise_is_added_edited_or_deleted(client, db):
    exercise = ExerciseFactory(name="Knee to chest")
    assert "Knee to chest" in client.get("/exercises/").content.decode()
    exercise.name = "Double knee to chest"
    exercise.save()
    assert "Double knee to chest" in client.get("/exercises/").content.decode()
    ExerciseFactory(name="Cat and camel")
    assert "Cat and camel" in client.get("/exercises/").content.decode()
    exercise.delete()
    assert "Double knee to chest" not in client.get("/exercises/").content.decode()


def test_a_logged_in_patient_never_gets_the_anonymous_copy_of_the_exercise_list(client, db, patient):
    ExerciseFactory(name="Knee to chest")
    assert patient.user.email not in client.get("/exercises/").content.decode()  # cached for anonymous visitors
    client.force_login(patient.user)
    html = client.get("/exercises/").content.decode()
    assert "Knee to chest" in html and 'action="/accounts/logout/"' in html


def test_exercise_detail_shows_steps_dosage_cautions_and_images(client, db):
    exercise = ExerciseFactory(name="Figure four", slug="figure-four", cautions="Sharp hip pain.")
    ExerciseImageFactory(exercise=exercise, alt_text="Ankle crossed over the opposite knee")
    html = client.get("/exercises/figure-four/").content.decode()
    assert "<li>Bend both knees.</li>" in html
    assert "3 sets of 10, hold for 20 seconds, twice a day, both sides" in html
    assert "Sharp hip pain." in html
    assert 'alt="Ankle crossed over the opposite knee"' in html


def test_exercise_detail_of_an_unknown_slug_is_404(client, db):
    assert client.get("/exercises/nope/").status_code == 404


def test_exercise_detail_links_only_allow_listed_videos(client, db):
    ExerciseFactory(slug="walk", video_url="https://www.youtube.com/watch?v=abc")
    assert "https://www.youtube.com/watch?v=abc" in client.get("/exercises/walk/").content.decode()
    assert Exercise.objects.get(slug="walk").video_url


# --- handout -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("patient", 200), ("other_patient", 404), ("patient2", 404), ("physio", 404), ("physio2", 404), (None, 302)],
)
@pytest.mark.parametrize("view", ["programs:handout_print", "programs:handout_pdf"])
def test_only_the_patient_gets_their_handout(request, client, program, other_patient, patient2, who, status, view):
    if who:
        user = request.getfixturevalue(who)
        client.force_login(getattr(user, "user", user))
    assert client.get(reverse(view, args=[program.pk])).status_code == status


def test_unknown_handout_is_404(client, patient):
    client.force_login(patient.user)
    assert client.get("/my/programs/999999/handout.pdf").status_code == 404


def test_print_view_shows_exercises_dosage_cautions_and_clinic_contact(client, program):
    client.force_login(program.patient.user)
    html = client.get(f"/my/programs/{program.pk}/handout/").content.decode()
    item = program.items.select_related("exercise").first()
    assert item.exercise.name in html
    assert "2 sets of 12, hold for 10 seconds, once a day, left side only" in html
    assert item.exercise.cautions in html
    assert program.patient.clinic.phone in html


def test_removed_exercises_leave_the_handout(client, program, physio):
    item = program.items.select_related("exercise").first()
    services.remove_program_item(item=item, actor=physio)
    client.force_login(program.patient.user)
    html = client.get(f"/my/programs/{program.pk}/handout/").content.decode()
    assert f"{item.exercise.name}</h3>" not in html


def pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        missing("needs pdftotext (apt-get install poppler-utils)")
    path = tmp_path / "handout.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_handout_pdf_contains_exercise_names_dosage_in_words_and_contact(client, program, physio, tmp_path):
    item = program.items.select_related("exercise").first()
    services.update_program_item(
        item=item, actor=physio, sets=3, reps=10, hold_seconds=20, times_per_day=2, side="both"
    )
    ExerciseImageFactory(exercise=item.exercise)
    client.force_login(program.patient.user)
    response = client.get(f"/my/programs/{program.pk}/handout.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.getvalue(), tmp_path).split())
    for other in program.items.select_related("exercise"):
        assert other.exercise.name in text
    assert "3 sets of 10, hold for 20 seconds, twice a day, both sides" in text
    assert program.patient.clinic.phone in text
    assert "Stop if" in text


def test_handout_pdf_embeds_the_exercise_pictures(client, program, tmp_path):
    if not shutil.which("pdfimages"):
        missing("needs pdfimages (apt-get install poppler-utils)")
    ExerciseImageFactory(exercise=program.items.first().exercise)
    client.force_login(program.patient.user)
    path = tmp_path / "handout.pdf"
    path.write_bytes(client.get(f"/my/programs/{program.pk}/handout.pdf").getvalue())
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    assert len(listing.strip().splitlines()) >= 3  # two header lines, then one line per image


def test_an_exercise_page_lists_the_published_articles_that_use_it(client, editor, physio):
    from articles import services as articles
    from articles.tests.factories import ArticleFactory, published_article

    exercise = ExerciseFactory(slug="knee-hug", name="Knee hug")
    published_article(reviewer=physio, author=editor, title="Sciatica at home", body="Try a [hug](exercise:knee-hug).")
    articles.save_article(
        article=ArticleFactory.build(title="Draft about hugs", body="{{exercise:knee-hug}}"), user=editor
    )
    html = client.get(exercise.get_absolute_url()).content.decode()
    assert "Read more" in html and "Sciatica at home" in html and "Draft about hugs" not in html
