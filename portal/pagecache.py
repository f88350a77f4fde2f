"""The one page cache: whole pages (and the article reads behind them) rendered once per change, not per request.

One rule. A page declares the topics it depends on ("articles", "exercises", "patient:<user id>"); every
change bumps the topics it touches, through `bump_on(model, topics)` receivers that each app connects in its
`ready()` (post_save, post_delete and m2m_changed: the admin, the services, the seed and the shell alike). A
copy is served only while every topic it was rendered under is unchanged, and for `PAGE_CACHE_TIMEOUT`
seconds at most (one setting).

Three ways to use it:
- `anonymous_page`: public pages, shared by every visitor who is not logged in (a logged-in page carries a
  name, a menu and a CSRF token).
- `personal_page`: a patient's own pages, one copy per user, the per-request tokens filled in per response.
- `cached`: a value (an article with its relations) shared by both kinds of page.

Topic versions are random values, so even a version the cache evicted never comes back to an old one; a
missing version is created before a page is stored under it. The cache's generation (portal.cache, new after
a Redis outage) is part of every stamp. A hit is one cache round trip. The cache must be shared by the web
workers (Redis when REDIS_URL is set) for a bump in one to reach the others.
"""

import hashlib
import secrets
import uuid
import zlib
import zoneinfo
from collections.abc import Callable, Collection, Iterable

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from portal.cache import GENERATION_KEY

CSRF_PLACEHOLDER = "csrf-placeholder-" + "0" * 47  # as long as a real token, so the HTML keeps its shape
FORM_TOKEN_PLACEHOLDER = "00000000-0000-4000-8000-form-token00"


# --- Topics more than one app names -------------------------------------------------------------------------

CLINICS = "clinics"  # a clinic's rows: its emergency number is on its patients' pages and handouts


def user_topic(user_id: int) -> str:
    """A user's rows and everything on their own pages (patients/page_topics.py connects what bumps it)."""
    return f"patient:{user_id}"


def _timeout() -> int:
    return settings.PAGE_CACHE_TIMEOUT


def _version_key(topic: str) -> str:
    return f"pagecache:topic:{topic}"


# --- Changes ------------------------------------------------------------------------------------------------


def bump(*topics: str) -> None:
    """Make every copy rendered under any of `topics` stale.

    Now, and again once the transaction commits: a reader between the two could otherwise cache the old rows
    under the new value.
    """

    def apply() -> None:
        cache.set_many({_version_key(topic): secrets.token_hex(8) for topic in topics}, _timeout())

    if topics:
        apply()
        transaction.on_commit(apply)


def bump_on(model, topics: str | Callable[[object], Iterable[str]]) -> None:
    """Every save or delete of a `model` row, and every change to its many-to-many fields, bumps `topics`:
    a fixed topic, or a function of the row giving the topics it touches."""
    find = (lambda _row: [topics]) if isinstance(topics, str) else topics

    def receiver(instance, **kwargs):
        if kwargs.get("action", "post_").startswith("post_"):
            bump(*(topic for topic in find(instance) if topic))

    uid = f"pagecache-{model._meta.label}"
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-save")
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=f"{uid}-delete")
    for field in model._meta.many_to_many:
        # The row changed is the one whose field was edited (reverse edits come from the other model's side).
        m2m_changed.connect(receiver, sender=field.remote_field.through, weak=False, dispatch_uid=f"{uid}-{field.name}")


# --- Reads --------------------------------------------------------------------------------------------------


def _lookup(key: str, topics: Collection[str]) -> tuple[tuple, object]:
    """The current stamp of `topics` and the copy stored at `key`, in one round trip when every topic has a
    version already."""
    keys = [GENERATION_KEY, *(_version_key(topic) for topic in topics)]
    found = cache.get_many([*keys, key])
    missing = [k for k in keys[1:] if k not in found]
    if missing:
        for k in missing:
            cache.add(k, secrets.token_hex(8), _timeout())
        found.update(cache.get_many(missing))
    return tuple(found.get(k) for k in keys), found.get(key)


def cached(name: str, build: Callable[[], object], *, depends_on: Collection[str]):
    """The value `build()` returns, from the cache while `depends_on` is unchanged. `None` is not stored."""
    key = f"pagecache:value:{name}"
    stamp, copy = _lookup(key, depends_on)
    if copy is not None and copy[0] == stamp:
        return copy[1]
    value = build()
    if value is not None:
        cache.set(key, (stamp, value), _timeout())
    return value


def _anonymous_and_plain(request: HttpRequest, params: Collection[str]) -> bool:
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
    depends_on: Collection[str],
    params: Collection[str] = (),
) -> HttpResponse:
    """The page `build()` renders, from the cache for anonymous visitors, under `name`, the language and the full
    path.

    `params`: the query parameters the page understands; a request with any other is rendered uncached.
    A response with `page_cacheable = False` is not stored: views set it when the parameters' values do not
    name a real page (an unknown tag, a page number past the end), so the keys stay bounded by the data.
    """
    if not _anonymous_and_plain(request, params):
        return build()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    key = f"pagecache:page:{name}:{translation.get_language()}:{path}"  # one copy per language of the page
    stamp, copy = _lookup(key, depends_on)
    if copy is not None and copy[0] == stamp:
        _stamp, content, content_type = copy
        return HttpResponse(content, content_type=content_type)
    response = build()
    # Only a plain 200 with no per-visitor token in it (a form's CSRF token sets CSRF_COOKIE_NEEDS_UPDATE).
    if (
        response.status_code == 200
        and getattr(response, "page_cacheable", True)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.cookies
    ):
        cache.set(key, (stamp, response.content, response["Content-Type"]), _timeout())
    return response


def _today_in(zone: str):
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(zone)).date()


def personal_page(
    request: HttpRequest,
    name: str,
    view: Callable[[HttpRequest, dict], HttpResponse],
    *,
    depends_on: Collection[str],
    zone: Callable[[], str],
) -> HttpResponse:
    """The page `view(request, tokens)` renders for the logged-in user, from their own copy (one per language)
    while nothing it shows has changed and it is still the same day in the time zone `zone()` names (a page about
    "today").

    `view` must check who may see the page and render the per-request tokens it receives
    ({"csrf_token": …, "form_token": …}): the copy holds placeholders, replaced in each response. A copy is
    stored only from a full render for this user (status 200). POSTs, query strings and requests with a
    pending message are rendered as usual.
    """
    if request.method != "GET" or request.GET or len(messages.get_messages(request)):
        return view(request, {"csrf_token": get_token(request), "form_token": uuid.uuid4()})
    key = f"pagecache:personal:{request.user.pk}:{name}:{translation.get_language()}"
    stamp, copy = _lookup(key, depends_on)
    if copy is not None and copy[0] == stamp and _today_in(copy[1]) == copy[2]:
        html = zlib.decompress(copy[3])
    else:
        response = view(request, {"csrf_token": CSRF_PLACEHOLDER, "form_token": FORM_TOKEN_PLACEHOLDER})
        if response.status_code != 200:
            return response
        html, tz = response.content, zone()
        cache.set(key, (stamp, tz, _today_in(tz), zlib.compress(html, 1)), _timeout())
    html = html.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode())
    html = html.replace(FORM_TOKEN_PLACEHOLDER.encode(), str(uuid.uuid4()).encode())
    return HttpResponse(html)
