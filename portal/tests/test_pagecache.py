"""Only what every anonymous visitor would see is cached: never a logged-in page, a message or a CSRF token."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import add_message, constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from portal.pagecache import anonymous_page, bump, cached


def _request(user=None, path="/page/"):
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    request._messages = CookieStorage(request)
    return request


class Builder:
    """Counts how often the page is really rendered."""

    def __init__(self, status=200, token=False):
        self.calls, self.status, self.token = 0, status, token

    def __call__(self, request):
        def build():
            self.calls += 1
            body = f"page {self.calls}" + (f" {get_token(request)}" if self.token else "")
            return HttpResponse(body, status=self.status)

        return build


def test_an_anonymous_page_is_rendered_once_per_change_of_what_it_depends_on_and_per_path(db):
    builder = Builder()
    first = anonymous_page(_request(), "k1", builder(_request()), depends_on=["a", "b"])
    second = anonymous_page(_request(), "k1", builder(_request()), depends_on=["a", "b"])
    assert builder.calls == 1 and first.content == second.content == b"page 1"
    anonymous_page(_request(path="/page/?page=2"), "k1", builder(_request()), depends_on=["a", "b"], params=["page"])
    assert builder.calls == 2
    bump("a")  # a change: rendered again, then served again
    for _ in range(2):
        assert anonymous_page(_request(), "k1", builder(_request()), depends_on=["a", "b"]).content == b"page 3"
    bump("c")  # a topic the page does not depend on
    assert anonymous_page(_request(), "k1", builder(_request()), depends_on=["a", "b"]).content == b"page 3"
    cache.delete("pagecache:topic:b")  # a version the cache evicted counts as a change, never as the old one
    assert anonymous_page(_request(), "k1", builder(_request()), depends_on=["a", "b"]).content == b"page 4"


def test_a_cached_value_is_built_once_per_change_and_none_is_not_kept(db):
    calls = []
    assert cached("v", lambda: calls.append(1) or len(calls), depends_on=["a"]) == 1
    assert cached("v", lambda: calls.append(1) or len(calls), depends_on=["a"]) == 1
    bump("a")
    assert cached("v", lambda: calls.append(1) or len(calls), depends_on=["a"]) == 2
    assert cached("n", lambda: calls.append(1), depends_on=["a"]) is None
    assert cached("n", lambda: calls.append(1), depends_on=["a"]) is None and len(calls) == 4


def test_a_page_with_a_parameter_it_does_not_know_is_never_cached(db):
    builder = Builder()
    for _ in range(2):
        anonymous_page(_request(path="/page/?utm_source=x"), "k", builder(None), depends_on=["a"], params=["page"])
    assert builder.calls == 2


def test_logged_in_users_pages_with_messages_or_tokens_and_errors_are_never_cached(db, patient):
    builder = Builder()
    anonymous_page(_request(patient.user), "k", builder(None), depends_on=["a"])
    anonymous_page(_request(patient.user), "k", builder(None), depends_on=["a"])
    assert builder.calls == 2

    with_message = _request()
    add_message(with_message, constants.INFO, "Only for you")
    anonymous_page(with_message, "m", builder(None), depends_on=["a"])
    anonymous_page(_request(), "m", builder(None), depends_on=["a"])
    assert builder.calls == 4

    tokened = Builder(token=True)
    for _ in range(2):
        request = _request()
        anonymous_page(request, "t", tokened(request), depends_on=["a"])
    assert tokened.calls == 2

    missing = Builder(status=404)
    for _ in range(2):
        anonymous_page(_request(), "e", missing(None), depends_on=["a"])
    assert missing.calls == 2
