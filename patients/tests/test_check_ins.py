import datetime
import uuid

import pytest
from django.utils import timezone

from patients import pathway, services
from patients.models import Alert, CheckIn, FollowUpRules
from patients.questionnaires import Questionnaire
from programs.tests.factories import make_template

ODI_ANSWERS = {f"section_{i}": "2" for i in range(1, 11)}


def odi_post(**overrides):
    return {**ODI_ANSWERS, "token": str(uuid.uuid4()), "red_flags": ["none"], **overrides}


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get("/my/check-in/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_without_a_patient_profile_get_404(client, physio):
    client.force_login(physio)
    assert client.get("/my/check-in/").status_code == 404


def test_odi_check_in_is_scored_and_saved(patient_client, patient):
    response = patient_client.post("/my/check-in/odi/", odi_post())
    assert response.status_code == 302
    check_in = CheckIn.objects.get(patient=patient)
    assert check_in.score == 40  # 20 of 50
    assert check_in.band == "moderate"
    assert Alert.objects.count() == 0


def test_missing_required_section_is_refused_and_answers_are_kept(patient_client, patient):
    data = odi_post()
    del data["section_3"]
    response = patient_client.post("/my/check-in/odi/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required" in html
    assert 'name="section_1" value="2"' in html and "checked" in html
    assert not CheckIn.objects.exists()


def test_sex_life_section_may_be_skipped(patient_client, patient):
    data = odi_post()
    del data["section_8"]
    assert patient_client.post("/my/check-in/odi/", data).status_code == 302
    assert CheckIn.objects.get().score == 40


def test_double_submit_records_one_check_in(patient_client, patient):
    data = odi_post()
    first = patient_client.post("/my/check-in/odi/", data)
    second = patient_client.post("/my/check-in/odi/", data)
    assert first["Location"] == second["Location"]
    assert CheckIn.objects.count() == 1


def test_red_flag_shows_emergency_advice_and_raises_a_critical_alert(patient_client, patient):
    response = patient_client.post("/my/check-in/odi/", odi_post(red_flags=["saddle_numbness"]), follow=True)
    html = response.content.decode()
    assert "Get emergency help now" in html
    assert html.index("Get emergency help now") < html.index("<h1")
    alert = Alert.objects.get(patient=patient)
    assert alert.severity == Alert.Severity.CRITICAL
    assert alert.kind == Alert.Kind.RED_FLAG


def test_no_red_flag_no_advice(patient_client, patient):
    html = patient_client.post("/my/check-in/odi/", odi_post(), follow=True).content.decode()
    assert "Get emergency help now" not in html


def test_odi_worse_by_ten_points_raises_an_alert(patient):
    services.submit_check_in(
        patient=patient,
        questionnaire=Questionnaire.ODI,
        answers={"sections": [1] * 10},
        red_flags=[],
        token=uuid.uuid4(),
    )
    services.submit_check_in(
        patient=patient,
        questionnaire=Questionnaire.ODI,
        answers={"sections": [2] * 10},
        red_flags=[],
        token=uuid.uuid4(),
    )
    alert = Alert.objects.get(kind=Alert.Kind.ODI_WORSE)
    assert alert.severity == Alert.Severity.HIGH


def test_odi_worse_by_less_than_ten_points_raises_nothing(patient):
    for sections in ([1] * 10, [1] * 6 + [2] * 4):  # 20 % then 28 %
        services.submit_check_in(
            patient=patient,
            questionnaire=Questionnaire.ODI,
            answers={"sections": sections},
            red_flags=[],
            token=uuid.uuid4(),
        )
    assert not Alert.objects.exists()


def test_the_clinics_odi_rule_decides_how_many_points_worse_raise_an_alert(patient):
    FollowUpRules.objects.create(clinic=patient.clinic, odi_worse_points=5)
    for sections in ([1] * 10, [1] * 7 + [2] * 3):  # 20 % then 26 %: 6 points, under the default 10
        services.submit_check_in(
            patient=patient,
            questionnaire=Questionnaire.ODI,
            answers={"sections": sections},
            red_flags=[],
            token=uuid.uuid4(),
        )
    assert Alert.objects.get(kind=Alert.Kind.ODI_WORSE).message == "Oswestry score rose from 20 to 26."


def test_assigning_a_programme_in_the_admin_schedules_the_outcome_check_ins(client, physio, patient):
    """The real trigger: the physio's assign page. The check-ins fall due from the programme's start."""
    template = make_template(phases=1, items_per_phase=1)
    client.force_login(physio)
    response = client.post(
        "/admin/programs/program/assign/",
        {"patient": patient.pk, "template": template.pk, "start_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    due = dict(patient.check_in_schedules.values_list("questionnaire", "next_due_on"))
    today = timezone.localdate()
    assert due == {"startback": today, "odi": today, "psfs": today, "groc": today + datetime.timedelta(weeks=6)}
    client.force_login(patient.user)
    html = client.get("/my/check-in/").content.decode()
    assert "Oswestry" in html and "STarT Back" in html


def test_psfs_needs_each_activity_named_and_scored(patient_client, patient):
    data = {
        "token": str(uuid.uuid4()),
        "red_flags": "none",
        "activity_1": "Putting on socks",
        "score_1": "3",
        "activity_2": "Walking to the shop",
        "score_2": "",
        "activity_3": "",
        "score_3": "7",
    }
    response = patient_client.post("/my/check-in/psfs/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Give this activity a score from 0 to 10." in html
    assert "Name the activity you scored." in html
    assert 'value="Putting on socks"' in html
    data.update(score_2="5", activity_3="Sitting at work")
    assert patient_client.post("/my/check-in/psfs/", data).status_code == 302
    assert CheckIn.objects.get().score == 5


def test_psfs_rejects_a_score_of_eleven(patient_client):
    data = {
        "token": str(uuid.uuid4()),
        "red_flags": "none",
        "activity_1": "a",
        "score_1": "11",
        "activity_2": "b",
        "score_2": "1",
        "activity_3": "c",
        "score_3": "1",
    }
    response = patient_client.post("/my/check-in/psfs/", data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_startback_and_groc_are_scored(patient_client, patient):
    data = {
        "token": str(uuid.uuid4()),
        "red_flags": "none",
        "item_9": "extremely",
        **{f"item_{i}": "1" if i >= 5 else "0" for i in range(1, 9)},
    }
    assert patient_client.post("/my/check-in/startback/", data).status_code == 302
    assert (CheckIn.objects.get().score, CheckIn.objects.get().band) == (5, "high")
    assert (
        patient_client.post(
            "/my/check-in/groc/", {"token": str(uuid.uuid4()), "rating": "-7", "red_flags": "none"}
        ).status_code
        == 302
    )
    assert CheckIn.objects.get(questionnaire="groc").score == -7


def test_patient_cannot_open_another_patients_check_in(client, patient, other_patient):
    check_in = services.submit_check_in(
        patient=other_patient, questionnaire=Questionnaire.GROC, answers={"rating": 2}, red_flags=[], token=uuid.uuid4()
    )
    client.force_login(patient.user)
    assert client.get(f"/my/check-in/done/{check_in.pk}/").status_code == 404


def test_due_check_ins_are_listed(patient_client, patient):
    pathway.start(patient=patient, start_date=timezone.localdate())
    html = patient_client.get("/my/check-in/").content.decode()
    assert "Oswestry" in html and "STarT Back" in html and "GROC" not in html
    patient_client.post("/my/check-in/odi/", odi_post())
    html = patient_client.get("/my/check-in/").content.decode()
    assert 'Start<span class="visually-hidden"> Back pain and daily life' not in html


def test_unknown_questionnaire_is_404(patient_client):
    assert patient_client.get("/my/check-in/nope/").status_code == 404


def test_psfs_takes_one_activity_and_offers_it_again_next_time(patient_client, patient):
    one = {"token": str(uuid.uuid4()), "red_flags": "none", "activity_1": "Putting on socks", "score_1": "3"}
    assert patient_client.post("/my/check-in/psfs/", one).status_code == 302
    html = patient_client.get("/my/check-in/psfs/").content.decode()
    assert 'value="Putting on socks"' in html and "Your activities from last time are filled in" in html
    assert "Adapted from the Patient-Specific Functional Scale" in html


def test_the_patient_reads_what_a_score_means_not_a_bare_band(patient_client, patient):
    response = patient_client.post("/my/check-in/odi/", odi_post(**{f"section_{i}": "4" for i in range(1, 11)}))
    html = patient_client.get(response["Location"]).content.decode()
    assert "Your answers suggest back pain affects most parts of your daily life." in html
    assert "crippling" not in html  # the published band name is for clinicians (the admin)
