"""Two-factor authentication (TOTP, django-otp) for staff who can see patient data.

Enrolment is not trust-on-first-use: before the authenticator app is set up, the staff member types a code
emailed to their account's address (through the outbox), so a stolen password alone cannot enrol a device.
Once the app is confirmed they get ten single-use backup codes, shown once.
"""

import base64
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from portal.outbox import queue_email
from portal.roles import CLINICAL_ROLES

MAILBOX_CHECKED = "two_factor_mailbox_checked"
ENROLMENT_DEVICE = "Enrolment email"
BACKUP_CODES = 10


def requires_two_factor(user) -> bool:
    if not settings.STAFF_2FA_REQUIRED or not user.is_authenticated or not user.is_staff:
        return False
    return user.is_superuser or user.groups.filter(name__in=CLINICAL_ROLES).exists()


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app, or a backup code",
        min_length=6,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, device, *args, backup: bool = False, label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.device, self.backup, self.used = device, backup, device
        if label:
            self.fields["token"].label = label

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if self.device.verify_token(token):
            return token
        spare = StaticDevice.objects.filter(user=self.device.user, confirmed=True).first() if self.backup else None
        if spare is not None and spare.verify_token(token):  # a backup code works once
            self.used = spare
            return token
        raise forms.ValidationError("That code is not right or has expired. Try the newest code.")


def _qr_data_uri(url: str) -> str:
    buffer = io.BytesIO()
    write_qrcode_image(url, buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/" + settings.ADMIN_URL
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/" + settings.ADMIN_URL


def send_enrolment_code(user) -> EmailDevice:
    """Queue an email with a new code; at most one a minute (the outbox key), made when it is sent."""
    device, _ = EmailDevice.objects.get_or_create(user=user, name=ENROLMENT_DEVICE, defaults={"confirmed": False})
    queue_email(
        kind="two_factor_code",
        to=user.email,
        key=f"two_factor_code:{user.pk}:{timezone.now():%Y%m%d%H%M}",
        context={"device_id": device.pk},
        urgent=True,
        clinic=user.clinic,
    )
    return device


def _check_mailbox(request):
    user = request.user
    device = EmailDevice.objects.filter(user=user, name=ENROLMENT_DEVICE).first()
    pending = device is not None and device.valid_until and device.valid_until > timezone.now()
    if device is None or request.POST.get("resend") or (request.method == "GET" and not pending):
        device = send_enrolment_code(user)
        if request.POST.get("resend"):
            messages.info(request, f"We have queued a new code to {user.email}.")
            return redirect(request.get_full_path())
    label = f"6-digit code emailed to {user.email}"
    form = TokenForm(device, request.POST or None, label=label)
    if request.method == "POST" and form.is_valid():
        request.session[MAILBOX_CHECKED] = user.pk
        return redirect(request.get_full_path())
    return render(
        request, "registration/two_factor.html", {"form": form, "step": "mailbox", "next": _next_url(request)}
    )


def _enrol(request):
    if request.session.get(MAILBOX_CHECKED) != request.user.pk:
        return _check_mailbox(request)
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = TokenForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        codes = _new_backup_codes(request.user)
        return render(
            request, "registration/two_factor.html", {"step": "backup", "codes": codes, "next": _next_url(request)}
        )
    context = {
        "form": form,
        "step": "app",
        "next": _next_url(request),
        "qr": _qr_data_uri(device.config_url),
        "secret": base64.b32encode(device.bin_key).decode(),
    }
    return render(request, "registration/two_factor.html", context)


def _new_backup_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
def verify(request):
    """Ask for a code; the first time, prove the mailbox, set up the authenticator app and get backup codes."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return _enrol(request)
    form = TokenForm(device, request.POST or None, backup=True)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.used)
        if form.used is not device:
            left = form.used.token_set.count()
            messages.warning(request, f"You used a backup code: {left} left. Each works once.")
        messages.success(request, "Two-factor authentication confirmed.")
        return redirect(_next_url(request))
    return render(request, "registration/two_factor.html", {"form": form, "step": "code", "next": _next_url(request)})
