import os
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import never_cache


def hello(request):
    """The in-project reference: the cheapest page Django can serve through the portal's middleware."""
    return HttpResponse(b"Hello, world", content_type="text/plain")


@cache
def _floor_bytes() -> bytes:
    return Path(os.environ["BENCH_FLOOR_FILE"]).read_bytes()


@never_cache
@login_required
def floor(request):
    """The logged-in floor: what any logged-in page costs, returning the bytes of the patient's /my/ (bench/run
    writes them to BENCH_FLOOR_FILE)."""
    return HttpResponse(_floor_bytes())


urlpatterns = [
    path("bench/hello/", hello, name="bench_hello"),
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("portal.urls")),
]
