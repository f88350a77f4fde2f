"""The idle timeout without a session write on every request.

`SESSION_SAVE_EVERY_REQUEST` would rewrite the session row (a transaction and an UPDATE) on every request
to push its expiry forward. This middleware moves the expiry only when more than a tenth of the idle window
has passed since the last write, so a session still ends after at most `SESSION_COOKIE_AGE` idle seconds
(and at least nine tenths of it), at one write per few minutes of activity instead of one per request.
"""

import time

from django.conf import settings

REFRESHED_AT = "_refreshed_at"
REFRESH_FRACTION = 10


class SessionRefreshMiddleware:
    """Goes right after SessionMiddleware, so its change is saved by it on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        if not session.modified and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response  # no session
        if not session.keys():
            return response  # flushed by a logout, or the cookie of an expired session: nothing to keep alive
        now = int(time.time())
        # A modified session (a login) is saved anyway: stamp it so the next requests need not write again.
        if session.modified or now - session.get(REFRESHED_AT, 0) >= settings.SESSION_COOKIE_AGE // REFRESH_FRACTION:
            session[REFRESHED_AT] = now  # modified: SessionMiddleware saves it with a new expiry and cookie
        return response
