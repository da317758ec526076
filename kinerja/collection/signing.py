"""Signatures and initials (paraf) on the cycle's documents."""

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from kinerja.core.errors import OutOfTurn
from kinerja.organisation.visibility import Role

from .engine import signing_title
from .models import Signature


def content_hash(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def sign(*, document: Model, kind: str, role_name: str, user, role: Role,
         content: dict) -> Signature:
    """Record a signature; a second one for the same role is refused."""
    try:
        with transaction.atomic():
            return Signature.objects.create(
                content_type=ContentType.objects.get_for_model(document),
                object_id=document.pk, kind=kind, role=role_name, person=user.person,
                user=user, position_title=signing_title(role),
                content_hash=content_hash(content))
    except IntegrityError:
        raise OutOfTurn(_("This document already carries that signature."),
                        code="already_signed") from None


def signatures_of(document: Model):
    return Signature.objects.filter(content_type=ContentType.objects.get_for_model(document),
                                    object_id=document.pk).select_related("person")


def remember_signatures(document: Model) -> None:
    """Read the document's signatures once: `is_signed` then answers from memory. For the
    readers that ask about many people at once (My tasks, who holds a step), never where the
    document is being signed."""
    if "_signed_roles" in document.__dict__:
        return
    document.__dict__["_signed_roles"] = frozenset(
        signatures_of(document).values_list("role", flat=True))


def is_signed(document: Model, role_name: str) -> bool:
    remembered = document.__dict__.get("_signed_roles")
    if remembered is not None:
        return role_name in remembered
    return signatures_of(document).filter(role=role_name).exists()
