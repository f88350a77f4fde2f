"""Reviewed means reviewed, for the exercise library: what patients read and see (the exercise's name, summary,
steps, "what to feel", "Stop if", video, pictures and default dosage) changes only when a clinician approves it.

`save_exercise` is the one door for an existing exercise: other fields are saved at once, a change to the
clinical ones waits as the exercise's `ExerciseChange` and every page (the library, Today, the handout) keeps
showing the approved text until `approve_change`. A new picture is shown once a clinician approves it (the same
click). A programme's items keep the dosage the physio prescribed
whatever happens here: they hold their own copy."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from programs.models import Exercise, ExerciseChange, ExerciseImage

REVIEW_PERMISSION = "programs.can_review_clinically"


def clinical_values(exercise: Exercise) -> dict:
    """The clinical fields' values; a file is its name in the storage."""
    values = {name: getattr(exercise, name) for name in Exercise.CLINICAL_FIELDS}
    return {name: (value.name or "") if isinstance(value, FieldFile) else value for name, value in values.items()}


def pending_images(exercise: Exercise):
    return exercise.images.filter(approved_at__isnull=True)


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
    video = exercise.video_file
    if video and not video._committed:  # a new upload waits in the storage under its own name, not live yet
        video.save(video.name, video.file, save=False)
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
    """A clinician puts the waiting change and pictures live, in one click; the exercise is reviewed today by them."""
    if not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only clinical reviewers can approve a change to an exercise.")
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    change = ExerciseChange.objects.filter(exercise=exercise).first()
    pictures = list(pending_images(exercise))
    if change is None and not pictures:
        raise ValidationError(f"“{exercise.name}” has no change waiting for approval.")
    for name, value in (change.values if change else {}).items():
        setattr(exercise, name, value)
    exercise.reviewed_by, exercise.last_reviewed = user, timezone.localdate()
    exercise.full_clean()
    exercise.save()
    if change:
        change.delete()
    # The exercise's save above tells the cached pages (also on commit), so the pictures need no signal of their own.
    ExerciseImage.objects.filter(pk__in=[p.pk for p in pictures]).update(approved_by=user, approved_at=timezone.now())
    return exercise
