"""Reads of the exercise library shared by the pages that show it.

`LIBRARY` is its page-cache topic (portal.pagecache): pages that show exercises depend on it, and every save or
delete of an exercise or one of its images bumps it (receivers connected in `programs.apps`)."""

from django.db.models import Prefetch

from programs.models import ExerciseImage

LIBRARY = "exercises"


def approved_pictures(lookup: str = "images") -> Prefetch:
    """Prefetch an exercise's pictures that a clinician approved: the only ones patients and the public see."""
    return Prefetch(lookup, queryset=ExerciseImage.objects.approved())
