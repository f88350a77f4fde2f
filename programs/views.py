from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.cache import never_cache

from portal.pagecache import anonymous_page
from programs import selectors
from programs.forms import ExerciseFilterForm
from programs.handout import handout_context, handout_language
from programs.handouts_store import open_handout
from programs.models import Exercise, Program

EXERCISES_PER_PAGE = 12


def exercise_list(request):
    def build():
        form = ExerciseFilterForm(request.GET or None)
        exercises = Exercise.objects.prefetch_related(selectors.approved_pictures()).order_by("name")
        if form.is_valid():
            for name in ("body_region", "kind"):
                if form.cleaned_data[name]:
                    exercises = exercises.filter(**{name: form.cleaned_data[name]})
        page = Paginator(exercises, EXERCISES_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(form.is_bound),
            "english_only": True,  # the library's exercises are written in English (templates/_english_only.html)
        }
        response = render(request, "programs/exercise_list.html", context)
        # Only real lists are kept: known filter values and an existing page written as its number.
        asked = request.GET.get("page")
        response.page_cacheable = (not form.is_bound or form.is_valid()) and asked in (None, str(page.number))
        return response

    params = ("body_region", "kind", "page")
    return anonymous_page(request, "exercises:list", build, depends_on=[selectors.LIBRARY], params=params)


def exercise_detail(request, slug):
    exercise = get_object_or_404(Exercise.objects.prefetch_related(selectors.approved_pictures()), slug=slug)
    # The published articles that use it (the articles app lists every exercise an article embeds or links).
    articles = exercise.articles.published().only("title", "slug", "summary").order_by("title")
    context = {"exercise": exercise, "articles": articles, "english_only": True}
    return render(request, "programs/exercise_detail.html", context)


def _patient_program(request, pk) -> Program:
    """The patient's own programme. Their record and clinic were read with the user (portal.backends), so the
    query reads one table (the physio's name is read only to render a new version): the five-table join it
    replaced cost more to plan than to run."""
    patient = getattr(request.user, "patient", None)  # staff have no patient record
    program = get_object_or_404(Program.objects.filter(patient=patient), pk=pk)
    program.patient = patient
    patient.user = request.user
    return program


@never_cache  # a patient's programme: never kept by a browser or proxy after they log out on a shared device
@login_required
def handout_print(request, pk):
    program = _patient_program(request, pk)
    with translation.override(handout_language(program)):
        response = render(request, "programs/handout_print.html", handout_context(program))
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@login_required
def handout_pdf(request, pk):
    program = _patient_program(request, pk)
    # Rendered once per version of the programme and stored (programs/handouts_store.py).
    response = FileResponse(open_handout(program), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="my-exercise-program-{program.pk}.pdf"'
    response["Cache-Control"] = "no-store, private"
    return response
