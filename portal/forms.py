from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from portal import accounts
from portal.security import client_ip


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the outbox (never from the request) and within limits."""

    def save(self, *, request=None, **_kwargs) -> None:
        accounts.request_password_reset(email=self.cleaned_data["email"], ip=client_ip(request) if request else None)
