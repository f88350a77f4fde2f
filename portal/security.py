"""One normalisation of email addresses, and one notion of the client's IP address, for every check that
needs them: login, lockout, uniqueness, audit; and the Content-Security-Policy header, built once."""

import functools
import ipaddress
import unicodedata

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


def normalise_email(value: str) -> str:
    """The form every address is stored, looked up and counted in: Unicode NFKC, trimmed, lower case.

    Lookups compare this exactly. A case-insensitive SQL comparison would not do: PostgreSQL's UPPER() turns a
    dotless ı into I, so "edıtor@…" matched "editor@…" while the lockout counted it as another address.
    """
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def axes_username(request, credentials) -> str | None:
    """Count failed logins per address the way the login looks it up."""
    username = (credentials or {}).get("username") or request.POST.get("username")
    return normalise_email(username) if username else None


def client_ip(request) -> str | None:
    """The client's address: behind PROXY_COUNT trusted proxies, the one the outermost of them saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the client
    is PROXY_COUNT entries from the right; anything further left was written by the client and is ignored.
    With PROXY_COUNT 0 (no proxy), X-Forwarded-For is ignored altogether.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, building the portal's policy once instead of on every response.

    django-csp rebuilds both headers from the settings on each response (a dataclass copied to a dict, every
    directive joined): 40 of the 150 µs the middleware stack costs a hello-world (bench/, in-process). The
    portal's policy is the same on every response: no nonce, no per-view decorator, no report-only policy, no
    excluded path. A response or request that has one of those goes through django-csp as it is.
    """

    def process_response(self, request, response):
        if not _plain_policy(request, response):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = _configured_policy()
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp does
        return response


def _plain_policy(request, response) -> bool:
    return not (
        settings.DEBUG
        or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        or (settings.CONTENT_SECURITY_POLICY or {}).get("EXCLUDE_URL_PREFIXES")
        or getattr(request, "_csp_nonce", None) is not None
        or any(name.startswith("_csp") for name in vars(response))  # a decorator's config, update, replace, exempt
    )


@functools.cache
def _configured_policy() -> str:
    return build_policy()


@receiver(setting_changed)
def _forget_policy(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _configured_policy.cache_clear()
