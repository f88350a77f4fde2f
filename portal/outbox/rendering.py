"""Turn an outbox row into a message: the kind's context, three templates, and the headers."""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.locale import supported
from portal.outbox.kinds import Cancel, get_kind
from portal.outbox.models import EmailOptOut, OutboundEmail

UNSUBSCRIBE_SALT = "portal.outbox.unsubscribe"


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def unsubscribe_token(email: str, group: str) -> str:
    return signing.dumps({"e": email.lower(), "g": group}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[str, str]:
    """The (email, group) a token was made for; raises signing.BadSignature when forged or damaged."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return data["e"], data["g"]


def unsubscribe_url(email: str, group: str) -> str:
    path = reverse("outbox-unsubscribe", args=[unsubscribe_token(email, group)])
    return settings.SITE_URL.rstrip("/") + path


def opted_out_groups(emails: set[str]) -> dict[str, set[str]]:
    """The groups each of these addresses opted out of, in one query ("all" means every group)."""
    groups: dict[str, set[str]] = {}
    for email, group in EmailOptOut.objects.filter(email__in=[e.lower() for e in emails]).values_list("email", "group"):
        groups.setdefault(email, set()).add(group)
    return groups


PREVIEW = "_preview"
# A kind puts the language of its email under this key: a patient's (Patient.language). Without it, or for a
# language the site does not speak, the email is in LANGUAGE_CODE: staff emails are English.
LANGUAGE = "_language"


def render_email(
    row: OutboundEmail,
    *,
    check_opt_out: bool = True,
    preview: bool = False,
    opt_outs: dict[str, set[str]] | None = None,
) -> RenderedEmail:
    """Render a row; raises Cancel when its kind says so or the recipient opted out.

    `opt_outs`: the recipients' opted-out groups when the caller read them already (`opted_out_groups`).

    With `preview` (the admin), the kind's context holds `PREVIEW: True`, so a kind that puts a secret in
    the email (a one-time login link) shows a placeholder instead of minting a working one for the viewer.

    The kind builds its context in LANGUAGE_CODE, whatever request or task this runs in, and the templates are
    rendered in the language it returns under `LANGUAGE`: a kind hands the templates data and lazy strings, which
    they put into words.
    """
    kind = get_kind(row.kind)
    urgent = row.urgent or kind.urgent
    if opt_outs is None and check_opt_out and not urgent:
        opt_outs = opted_out_groups({row.recipient})
    if check_opt_out and not urgent and opt_outs.get(row.recipient, set()) & {kind.group, "all"}:
        raise Cancel(f"recipient opted out of {kind.group} emails")
    context = {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "clinic_name": row.clinic.name if row.clinic_id else settings.SITE_NAME,
        "clinic": row.clinic,
        "recipient": row.recipient,
        "unsubscribe_url": "" if urgent else unsubscribe_url(row.recipient, kind.group),
    }
    with translation.override(settings.LANGUAGE_CODE):
        built = kind.build({**row.context, PREVIEW: True} if preview else dict(row.context))
    language = supported(built.pop(LANGUAGE, None)) or settings.LANGUAGE_CODE
    context.update(built)
    with translation.override(language):
        subject = render_to_string(f"emails/{row.kind}-subject.txt", context)
        rendered = RenderedEmail(
            subject=re.sub(r"\s+", " ", subject).strip(),
            text=render_to_string(f"emails/{row.kind}-body.txt", context),
            html=render_to_string(f"emails/{row.kind}-body.html", context),
            headers={"Message-ID": row.message_id, "Content-Language": language},
        )
    if not urgent:
        rendered.headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        rendered.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return rendered


def build_message(row: OutboundEmail, *, opt_outs: dict[str, set[str]] | None = None) -> EmailMultiAlternatives:
    rendered = render_email(row, opt_outs=opt_outs)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        headers=rendered.headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
