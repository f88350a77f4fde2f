from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.outbox.rendering import read_unsubscribe_token
from portal.outbox.services import opt_out

# What a group's emails are called on the unsubscribe pages (the groups of register_kind).
GROUP_NAMES = {
    "account": _("emails about your account"),
    "programs": _("emails about your exercise programme"),
    "reminders": _("exercise reminders"),
    "check_ins": _("check-in reminders"),
    "progress": _("weekly summaries"),
    "alerts": _("alert emails"),
    "digest": _("alert digests"),
    "reviews": _("article review reminders"),
    "updates": _("updates"),
}


# Mail clients POST the one-click unsubscribe (RFC 8058) without a CSRF token; the signed token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        email, group = read_unsubscribe_token(token)
    except signing.BadSignature:
        raise Http404("This unsubscribe link is not valid.") from None
    context = {"email": email, "group": group, "what": GROUP_NAMES.get(group, group)}
    if request.method == "POST":
        opt_out(email=email, group=group)
        return render(request, "portal/unsubscribe_done.html", context)
    return render(request, "portal/unsubscribe_confirm.html", context)
