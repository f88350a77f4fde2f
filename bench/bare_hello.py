"""The bare reference: a one-module Django hello-world (CommonMiddleware only, no database, no templates),
served by bench/run under the same gunicorn settings as the portal. Every ratio in the table is to this page.

    .venv/bin/python -m gunicorn bench.bare_hello:application --workers 2
"""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-bare-hello-world",  # noqa: S106 - serves one constant page, signs nothing
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    DATABASES={},
    INSTALLED_APPS=[],
)


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("bench/hello/", hello)]

application = get_wsgi_application()
