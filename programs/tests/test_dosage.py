import pytest
from django.utils import translation

from programs.dosage import dosage_in_words
from programs.tests.factories import ExerciseFactory


@pytest.mark.parametrize(
    ("dosage", "words"),
    [
        (
            {"sets": 3, "reps": 10, "hold_seconds": 20, "times_per_day": 2, "side": "both"},
            "3 sets of 10, hold for 20 seconds, twice a day, both sides",
        ),
        ({"sets": 1, "reps": 5, "times_per_day": 1, "side": "left"}, "1 set of 5, once a day, left side only"),
        (
            {"sets": 1, "reps": 1, "duration_minutes": 10, "times_per_day": 3, "side": "none"},
            "10 minutes, three times a day",
        ),
        (
            {"sets": 2, "reps": 8, "hold_seconds": 60, "rest_seconds": 30, "times_per_day": 4, "days_per_week": 5},
            "2 sets of 8, hold for 1 minute, rest 30 seconds between sets, 4 times a day, 5 days a week",
        ),
        (
            {"sets": 1, "reps": 1, "duration_minutes": 1, "days_per_week": 1, "side": "alternating"},
            "1 minute, once a day, 1 day a week, alternating sides",
        ),
    ],
)
def test_dosage_reads_as_plain_words(dosage, words):
    assert dosage_in_words({"times_per_day": 1, "days_per_week": 7, **dosage}) == words


def test_exercise_default_dosage_in_words(db):
    exercise = ExerciseFactory(sets=3, reps=10, hold_seconds=20, times_per_day=2, side="both")
    assert exercise.dosage_in_words == "3 sets of 10, hold for 20 seconds, twice a day, both sides"


@pytest.mark.parametrize(
    ("dosage", "words"),
    [
        (
            {"sets": 3, "reps": 10, "hold_seconds": 20, "times_per_day": 2, "side": "both"},
            "3 series de 10, mantener 20 segundos, dos veces al día, ambos lados",
        ),
        (
            {"sets": 2, "reps": 1, "duration_minutes": 1, "rest_seconds": 30, "times_per_day": 4, "days_per_week": 1},
            "2 rondas de 1 minuto, descansar 30 segundos entre series, 4 veces al día, 1 día a la semana",
        ),
    ],
)
def test_dosage_reads_as_plain_spanish(dosage, words):
    with translation.override("es"):
        assert dosage_in_words({"times_per_day": 1, "days_per_week": 7, **dosage}) == words
