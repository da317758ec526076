import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from kinerja.core.audit import record_event
from kinerja.core.errors import DomainError, PermissionDenied

from .models import ApiToken, User

# A token in use is marked at most once a minute, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(f"Unknown language {language!r}", code="unknown_language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _agency_of(user: User):
    person = getattr(user, "person", None)
    return person.agency if person is not None else None


def api_token_create(*, user: User, name: str,
                     expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the user: the row (which keeps only the secret's hash) and the secret,
    to be shown once."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name.strip()[:100],
                                    prefix=secret[:ApiToken.PREFIX_LENGTH],
                                    key_hash=token_hash(secret), expires_at=expires_at)
    record_event(action="api_token.created", obj=token, actor=user, agency=_agency_of(user),
                 summary=f"API token {token.prefix}… “{token.name}” created for {user}",
                 data={"expires_at": expires_at.isoformat() if expires_at else None})
    return token, secret


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, not expired, its user active), marked as
    used; None otherwise."""
    digest = token_hash(secret)
    token = ApiToken.objects.filter(key_hash=digest).select_related("user").first()
    if token is None or not hmac.compare_digest(token.key_hash, digest):
        return None
    now = timezone.now()
    if (token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now)
            or not token.user.is_active):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _administers(admin: User, owner: User) -> bool:
    from kinerja.organisation.admin_scope import admin_agency_id, is_agency_admin

    if admin.is_superuser:
        return True
    owner_agency = _agency_of(owner)
    return bool(is_agency_admin(admin) and owner_agency is not None
                and admin_agency_id(admin) == owner_agency.id)


def api_token_revoke(*, token: ApiToken, user: User) -> ApiToken:
    """Revoke a token: the owner's own, or by an administrator of the owner's agency (a lost
    token must be stoppable without it). Revoking again changes nothing."""
    if token.user_id != user.pk and not _administers(user, token.user):
        raise PermissionDenied("Not your token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event(action="api_token.revoked", obj=token, actor=user, agency=_agency_of(user),
                     summary=f"API token {token.prefix}… “{token.name}” revoked")
    return token
