from django.core import signing
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal.outbox.rendering import read_unsubscribe_token
from portal.outbox.services import opt_out


# Mail clients POST the one-click unsubscribe (RFC 8058) without a CSRF token; the signed token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        email, group = read_unsubscribe_token(token)
    except signing.BadSignature:
        raise Http404("This unsubscribe link is not valid.") from None
    if request.method == "POST":
        opt_out(email=email, group=group)
        return render(request, "portal/unsubscribe_done.html", {"email": email, "group": group})
    return render(request, "portal/unsubscribe_confirm.html", {"email": email, "group": group})
