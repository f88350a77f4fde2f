"""The portal's own email kinds. Other apps register theirs in `<app>/emails.py` the same way."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.accounts import STAFF_WELCOME
from portal.outbox import Cancel, register_kind
from portal.outbox.rendering import LANGUAGE, PREVIEW


@register_kind(STAFF_WELCOME, group="account")
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


@register_kind("password_reset", group="account", urgent=True)
def password_reset(context: dict) -> dict:
    """A one-time link to choose a new password, made when the email is sent. Context: {"user_id": int}.

    Urgent: an opt-out from account emails must not lock someone out of their account."""
    user = get_user_model().objects.select_related("patient").filter(pk=context["user_id"], is_active=True).first()
    if user is None:
        raise Cancel("the account is closed")
    patient = getattr(user, "patient", None)  # a patient's reset link comes in their language
    if context.get(PREVIEW):
        link = "(a one-time link, made when the email is sent)"
    else:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        path = reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
        link = settings.SITE_URL.rstrip("/") + path
    return {
        "first_name": user.first_name,
        "reset_url": link,
        "expires_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        LANGUAGE: patient.language if patient is not None else "",
    }


@register_kind("two_factor_code", group="account", urgent=True)
def two_factor_code(context: dict) -> dict:
    """The code that proves the mailbox before a first two-factor enrolment, made when the email is sent (it
    is never stored in the outbox). Context: {"device_id": int}."""
    from django_otp.plugins.otp_email.models import EmailDevice

    device = EmailDevice.objects.select_related("user").filter(pk=context["device_id"]).first()
    if device is None or not device.user.is_active:
        raise Cancel("the account is closed")
    if context.get(PREVIEW):
        code = "(a one-time code, made when the email is sent)"
    else:
        device.generate_token(valid_secs=10 * 60)
        code = device.token
    return {"first_name": device.user.first_name, "code": code, "minutes": 10}
