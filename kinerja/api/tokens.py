"""Personal API tokens: made with a user name and password (throttled and locked out by
django-axes exactly as the log-in form), revoked with the token itself."""

from datetime import timedelta

from django.contrib.auth import authenticate, user_logged_in
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from kinerja.accounts.services import api_token_create, api_token_revoke
from kinerja.core.errors import DomainError

from .auth import bearer
from .schemas import TokenIn, TokenOut, TokenRevokedOut

router = Router(tags=["auth"])


class NotAuthenticated(DomainError):
    status_code = 401


@router.post("/auth/token", auth=None, response={201: TokenOut})
def token_create(request, payload: TokenIn):
    """A new token for the user; the secret is in this answer only. Five wrong passwords for
    a user name from one address lock it out, as on the log-in page."""
    user = authenticate(request=request, username=payload.username, password=payload.password)
    if user is None:
        raise NotAuthenticated(_("Wrong user name or password."), code="invalid_credentials")
    # What a log-in through the form sends: axes logs it and forgets the failed attempts.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    expires_at = (timezone.now() + timedelta(days=payload.expires_in_days)
                  if payload.expires_in_days else None)
    token, secret = api_token_create(user=user, name=payload.name, expires_at=expires_at)
    return Status(201, {"token": secret, "prefix": token.prefix, "name": token.name,
                        "created_at": token.created_at, "expires_at": token.expires_at})


@router.delete("/auth/token", auth=bearer, response=TokenRevokedOut)
def token_revoke(request):
    """Revoke the token this request carries."""
    return api_token_revoke(token=request.api_token, user=request.user)
