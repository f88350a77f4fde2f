"""Two-factor authentication (TOTP, django-otp) for staff who can see patient data."""

import base64
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from portal.roles import CLINICAL_ROLES


def requires_two_factor(user) -> bool:
    if not settings.STAFF_2FA_REQUIRED or not user.is_authenticated or not user.is_staff:
        return False
    return user.is_superuser or user.groups.filter(name__in=CLINICAL_ROLES).exists()


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, device: TOTPDevice, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not self.device.verify_token(token):
            raise forms.ValidationError("That code is not right or has expired. Try the newest code in your app.")
        return token


def _qr_data_uri(url: str) -> str:
    buffer = io.BytesIO()
    write_qrcode_image(url, buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/" + settings.ADMIN_URL
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return "/" + settings.ADMIN_URL


@login_required
def verify(request):
    """Ask for a code; the first time, set up the authenticator app."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device, _ = TOTPDevice.objects.get_or_create(
            user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
        )
    form = TokenForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if setting_up:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, "Two-factor authentication confirmed.")
        return redirect(_next_url(request))
    context = {"form": form, "setting_up": setting_up, "next": _next_url(request)}
    if setting_up:
        context.update(qr=_qr_data_uri(device.config_url), secret=base64.b32encode(device.bin_key).decode())
    return render(request, "registration/two_factor.html", context)
