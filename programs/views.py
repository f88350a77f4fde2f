from django.shortcuts import get_object_or_404, render

from programs.models import Exercise


def exercise_detail(request, slug):
    exercise = get_object_or_404(Exercise, slug=slug)
    return render(request, "programs/exercise_detail.html", {"exercise": exercise})
