from django.conf import settings

from kinerja.core.errors import DomainError

from .models import User


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise DomainError(f"Unknown language {language!r}", code="unknown_language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
