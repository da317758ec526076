from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from kinerja.core.audit import record_event
from kinerja.core.errors import DomainError

from .models import Person


@transaction.atomic
def person_create_login(*, person: Person, password: str, actor=None, username: str = ""):
    """Give a person a log-in: the user name is their NIP, or a name-based one without it."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.user_id:
        raise DomainError("This person already has a log-in.", code="login_exists")
    user_model = get_user_model()
    base = username or person.employee_number or slugify(person.name).replace("-", ".")[:30]
    candidate, suffix = base, 1
    while user_model.objects.filter(username=candidate).exists():
        suffix += 1
        candidate = f"{base}{suffix}"
    user = user_model.objects.create_user(username=candidate, password=password,
                                          email=person.email,
                                          first_name=person.full_name[:150])
    person.user = user
    person.save(update_fields=["user"])
    record_event(action="person.login_created", obj=person, actor=actor, agency=person.agency,
                 summary=f"Log-in {candidate} created for {person.full_name}")
    return user
