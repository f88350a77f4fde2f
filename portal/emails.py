"""The portal's own email kinds. Other apps register theirs in `<app>/emails.py` the same way."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.outbox import Cancel, register_kind


@register_kind("staff_welcome", group="account")
def staff_welcome(context: dict) -> dict:
    """Tells a new staff member their account is ready. Context: {"user_id": int}."""
    user = get_user_model().objects.filter(pk=context["user_id"]).first()
    if user is None:
        raise Cancel("the account no longer exists")
    if not user.is_active:
        raise Cancel("the account is deactivated")
    return {
        "first_name": user.first_name,
        "login_email": user.email,
        "login_url": settings.SITE_URL.rstrip("/") + reverse("login"),
    }
