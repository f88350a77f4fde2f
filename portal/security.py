"""One normalisation of email addresses, and one notion of the client's IP address, for every check that
needs them: login, lockout, uniqueness, audit."""

import ipaddress
import unicodedata

from django.conf import settings


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
