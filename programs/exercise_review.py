"""Reviewed means reviewed, for the exercise library: what patients read and do (the exercise's name, summary,
steps, "what to feel", "Stop if", video link and default dosage) changes only when a clinician approves it.

`save_exercise` is the one door for an existing exercise: other fields are saved at once, a change to the
clinical ones waits as the exercise's `ExerciseChange` and every page (the library, Today, the handout) keeps
showing the approved text until `approve_change`. A programme's items keep the dosage the physio prescribed
whatever happens here: they hold their own copy."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from programs.models import Exercise, ExerciseChange

REVIEW_PERMISSION = "programs.can_review_clinically"


def clinical_values(exercise: Exercise) -> dict:
    return {name: getattr(exercise, name) for name in Exercise.CLINICAL_FIELDS}


@transaction.atomic
def save_exercise(*, exercise: Exercise, user) -> ExerciseChange | None:
    """Save `exercise` as edited by `user`. A new exercise is saved as it is (nobody follows it yet); for one
    in the library, returns the change now waiting for approval, or None when the clinical text is as approved."""
    for name in Exercise.CLINICAL_FIELDS:  # a browser's textarea sends CRLF: not a change of text
        value = getattr(exercise, name)
        if isinstance(value, str):
            setattr(exercise, name, value.replace("\r\n", "\n"))
    exercise.full_clean()
    if exercise.pk is None:
        exercise.save()
        return None
    approved = Exercise.objects.select_for_update().get(pk=exercise.pk)
    proposed, live = clinical_values(exercise), clinical_values(approved)
    for name, value in live.items():
        setattr(exercise, name, value)
    exercise.save()
    if proposed == live:
        ExerciseChange.objects.filter(exercise=approved).delete()
        return None
    change, _ = ExerciseChange.objects.update_or_create(
        exercise=approved, defaults={"values": proposed, "changed_by": user}
    )
    return change


@transaction.atomic
def approve_change(*, exercise: Exercise, user) -> Exercise:
    """A clinician puts the waiting change live, in one click; the exercise is reviewed today by them."""
    if not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only clinical reviewers can approve a change to an exercise.")
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    change = ExerciseChange.objects.filter(exercise=exercise).first()
    if change is None:
        raise ValidationError(f"“{exercise.name}” has no change waiting for approval.")
    for name, value in change.values.items():
        setattr(exercise, name, value)
    exercise.reviewed_by, exercise.last_reviewed = user, timezone.localdate()
    exercise.full_clean()
    exercise.save()
    change.delete()
    return exercise
