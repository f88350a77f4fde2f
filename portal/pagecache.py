"""Whole public pages from the cache, for visitors who are not logged in.

A logged-in user's page carries their name, menu and a CSRF token, so only anonymous visitors share a
cached copy. The caller names the cache keys of the version numbers the page depends on (bumped by whatever
changes its content); a copy is served only while they are unchanged, so nothing is served stale. The
versions and the page come back in one cache round trip.
"""

import hashlib
import secrets
from collections.abc import Callable, Collection

from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from portal.cache import GENERATION_KEY

TIMEOUT = 60 * 60


def bump_version(key: str, timeout: int | None = None) -> None:
    """Give the version number at `key` a new value, so every page cached under the old one is stale.

    Now, and again once the transaction commits: a reader between the two could otherwise cache the old rows
    under the new value. A random value, so even a key the cache evicted never comes back to an old one.
    """

    def bump() -> None:
        cache.set(key, secrets.token_hex(8), timeout)

    bump()
    transaction.on_commit(bump)


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
    request: HttpRequest,
    name: str,
    build: Callable[[], HttpResponse],
    *,
    versions: Collection[str] = (),
    params: Collection[str] = (),
) -> HttpResponse:
    """The page `build()` renders, from the cache for anonymous visitors, under `name` plus the full path.

    `versions`: cache keys of version numbers; bumping any of them makes the page stale.
    `params`: the query parameters the page understands; a request with any other is rendered uncached.
    A response with `page_cacheable = False` is not stored: views set it when the parameters' values do not
    name a real page (an unknown tag, a page number past the end), so the keys stay bounded by the data.
    """
    if not _cacheable(request, params):
        return build()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    key = f"page:{name}:{path}"
    versions = [GENERATION_KEY, *versions]  # a new generation after a Redis outage: see portal.cache
    found = cache.get_many([*versions, key])
    stamp = tuple(found.get(version) for version in versions)
    cached = found.get(key)
    if cached is not None and cached[0] == stamp:
        _stamp, content, content_type = cached
        return HttpResponse(content, content_type=content_type)
    response = build()
    # Only a plain 200 with no per-visitor token in it (a form's CSRF token sets CSRF_COOKIE_NEEDS_UPDATE).
    if (
        response.status_code == 200
        and getattr(response, "page_cacheable", True)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.cookies
    ):
        cache.set(key, (stamp, response.content, response["Content-Type"]), TIMEOUT)
    return response
