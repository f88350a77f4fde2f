import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from programs.models import Exercise, Program, ProgramTemplate
from programs.tests.test_views import pdf_text

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARTICLE_EXERCISES = [
    "walking",
    "knee-to-chest",
    "figure-four-stretch",
    "childs-pose",
    "seated-piriformis-stretch",
    "pelvic-tilts",
    "hamstring-stretch",
    "hip-flexor-stretch",
    "swimming",
]


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_demo_library_has_the_article_exercises_and_two_templates(seeded):
    assert set(ARTICLE_EXERCISES) <= set(Exercise.objects.values_list("slug", flat=True))
    templates = ProgramTemplate.objects.prefetch_related("phases__items")
    assert templates.count() == 2
    for template in templates:
        phases = list(template.phases.all())
        assert len(phases) >= 2
        assert all(phase.items.exists() for phase in phases)


def test_demo_assigns_one_template_to_the_demo_patient_through_the_service(seeded):
    program = Program.objects.get(patient__user__email="patient@example.com")
    assert program.status == Program.Status.ACTIVE
    assert program.template.slug == "lbp-both-legs-gentle-start"
    assert list(program.changes.order_by("at", "pk").values_list("action", flat=True)) == [
        "assigned",
        "phase_advanced",  # six weeks of history: the second phase began in week 3
    ]
    assert program.physio.email == "physio@example.com"


def test_seeding_twice_changes_nothing(seeded):
    counts = (Exercise.objects.count(), ProgramTemplate.objects.count(), Program.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Exercise.objects.count(), ProgramTemplate.objects.count(), Program.objects.count()) == counts


def test_demo_patient_downloads_a_readable_handout(seeded, client, tmp_path):
    program = Program.objects.get(patient__user__email="patient@example.com")
    client.post("/accounts/login/", {"username": "patient@example.com", "password": "demo-pass"})
    response = client.get(f"/my/programs/{program.pk}/handout.pdf")
    assert response.status_code == 200
    content = response.getvalue()  # a stored file, streamed: read once
    text = " ".join(pdf_text(content, tmp_path).split())
    assert "Knee to chest" in text
    assert "1 set of 5, hold for 20 seconds, twice a day, alternating sides" in text
    assert "020 7946 0000" in text  # the clinic's phone
    pdf = tmp_path / "handout.pdf"
    pdf.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(SCREENSHOTS / "handout")],
        check=True,
    )


def test_every_demo_exercise_has_a_drawing_on_its_page_and_today(seeded, client):
    from programs import illustrations

    for slug in illustrations.POSES:
        (picture,) = Exercise.objects.get(slug=slug).images.all()
        assert picture.alt_text.startswith("Line drawing: ") and picture.image.read(8) == b"\x89PNG\r\n\x1a\n"
    html = client.get("/exercises/bird-dog/").content.decode()
    assert 'alt="Line drawing: on hands and knees, one arm reaching forward' in html
    client.force_login(Program.objects.get(patient__user__email="patient@example.com").patient.user)
    assert "Line drawing:" in client.get("/my/").content.decode()


def test_seeding_again_keeps_an_approved_change_to_an_exercise(seeded):
    Exercise.objects.filter(slug="bridge").update(cautions="Approved by the clinic.")
    call_command("seed_demo")
    assert Exercise.objects.get(slug="bridge").cautions == "Approved by the clinic."
    assert Exercise.objects.get(slug="bridge").images.count() == 1
