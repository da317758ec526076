"""Who is calling: a personal Bearer token, or the browser's session.

A Bearer request carries its credential in a header a foreign page cannot set, so it needs no
CSRF token; a session request that writes keeps Django's CSRF check. The token's user becomes
`request.user`, with `request.viewer` built for them as the middleware does for sessions.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer

from kinerja.accounts.middleware import language_for
from kinerja.accounts.services import api_token_authenticate
from kinerja.organisation.visibility import Viewer


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = api_token_authenticate(secret=token)
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        request.viewer = Viewer.for_user(found.user)
        # The session user's language is chosen by middleware before we know who calls.
        request.LANGUAGE_CODE = language_for(request)
        translation.activate(request.LANGUAGE_CODE)
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's session, as ninja's `django_auth`, except that the CSRF check is made only
    for a signed-in session: an anonymous request is then answered 401, not 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        return request.user if request.user.is_authenticated else None


bearer = TokenAuth()
session = SessionAuth()


def viewer_of(request) -> Viewer:
    """The caller as the visibility rule sees them; 403 for a log-in without a person."""
    if not request.viewer.has_person:
        raise PermissionDenied
    return request.viewer
