"""Account use cases that are not the admin's: asking for a password reset."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from portal.outbox import queue_email
from portal.outbox.models import OutboundEmail
from portal.security import normalise_email

PASSWORD_RESET = "password_reset"
# A patient's first email, with a link to set a password (registered by the patients app, which knows the
# programme it mentions). Named here because the programme email, lower down, waits for it.
INVITATION = "invitation"
STAFF_WELCOME = "staff_welcome"


def queue_staff_welcome(user) -> None:
    """A new staff account is ready: the email tells them where to sign in (portal/emails.py renders it)."""
    queue_email(kind=STAFF_WELCOME, to=user.email, key=f"{STAFF_WELCOME}:{user.pk}", context={"user_id": user.pk})


@transaction.atomic
def request_password_reset(*, email: str, ip: str | None) -> bool:
    """Queue a reset link for an active account with a password, within the limits; True if one was queued.

    Said the same way whatever happens (the page never tells whether an address has an account), and quick
    either way: the email goes through the outbox, never from the request. At most
    PASSWORD_RESET_PER_ADDRESS emails an hour to one address (counted from the outbox, so it holds across
    processes and a Redis outage) and PASSWORD_RESET_PER_IP requests an hour from one client (in the cache).
    """
    if ip and not _within_ip_limit(ip):
        return False
    address = normalise_email(email)
    user = get_user_model().objects.filter(email=address, is_active=True).first()
    recent = OutboundEmail.objects.filter(
        kind=PASSWORD_RESET, recipient=address, created_at__gte=timezone.now() - timedelta(hours=1)
    ).count()
    if user is None or not user.has_usable_password() or recent >= settings.PASSWORD_RESET_PER_ADDRESS:
        return False
    queue_email(
        kind=PASSWORD_RESET,
        to=address,
        key=f"{PASSWORD_RESET}:{user.pk}:{timezone.now():%Y%m%dT%H%M%S.%f}",
        context={"user_id": user.pk},
        clinic=user.clinic,
    )
    return True


def _within_ip_limit(ip: str) -> bool:
    key = f"password-reset-ip:{ip}"
    count = cache.get(key, 0)
    if count >= settings.PASSWORD_RESET_PER_IP:
        return False
    cache.set(key, count + 1, 60 * 60)
    return True
