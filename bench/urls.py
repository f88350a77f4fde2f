from django.http import HttpResponse
from django.urls import include, path


def hello(request):
    """The reference: the cheapest page Django can serve through the same middleware."""
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [
    path("bench/hello/", hello, name="bench_hello"),
    path("", include("portal.urls")),
]
