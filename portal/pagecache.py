"""Whole public pages from the cache, for visitors who are not logged in.

A logged-in user's page carries their name, menu and a CSRF token, so only anonymous visitors share a
cached copy. The caller names the page by a key that changes whenever its content does (a version number
bumped by the services that change it, or a fingerprint of the rows), so nothing is served stale.
"""

import hashlib
from collections.abc import Callable, Collection

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

TIMEOUT = 60 * 60


def _cacheable(request: HttpRequest, params: Collection[str]) -> bool:
    return (
        request.method == "GET"
        and not request.user.is_authenticated
        # Unknown parameters (?utm_source=…) would let anyone fill the cache with one-off copies.
        and set(request.GET) <= set(params)
        # A pending message is rendered into the page for this visitor only.
        and not len(messages.get_messages(request))
    )


def anonymous_page(
    request: HttpRequest, key: str, build: Callable[[], HttpResponse], params: Collection[str] = ()
) -> HttpResponse:
    """The page `build()` renders, from the cache under `key` (plus the full path) for anonymous visitors.

    `params` are the query parameters the page understands; a request with any other is rendered uncached.
    """
    if not _cacheable(request, params):
        return build()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    key = f"page:{key}:{path}"
    cached = cache.get(key)
    if cached is not None:
        content, content_type = cached
        return HttpResponse(content, content_type=content_type)
    response = build()
    # Only a plain 200 with no per-visitor token in it (a form's CSRF token sets CSRF_COOKIE_NEEDS_UPDATE).
    if response.status_code == 200 and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE") and not response.cookies:
        cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
    return response
