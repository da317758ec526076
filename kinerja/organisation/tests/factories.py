import itertools
from datetime import date

import factory
from django.contrib.auth import get_user_model

from kinerja.organisation.models import (
    Agency,
    Capacity,
    FunctionTag,
    NumberKind,
    Person,
    Position,
    PositionHolding,
    Unit,
)

_sequence = itertools.count(1)


def valid_nip(sex: str = "1") -> str:
    """A fresh, valid NIP: born 1 May 1985, appointed March 2010, with a running sequence."""
    return f"19850501201003{sex}{next(_sequence) % 999 + 1:03d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct-horse-battery")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Badan Contoh {n}")
    short_name = factory.Sequence(lambda n: f"Badan {n}")
    government_name = "Pemerintah Kabupaten Banggai"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    kind = "agency"
    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Unit {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Pegawai {n}")
    number_kind = NumberKind.NIP
    employee_number = factory.LazyFunction(valid_nip)
    rank = "III/a"


def tag(code: str) -> FunctionTag:
    return FunctionTag.objects.get_or_create(code=code, defaults={"name": code})[0]


def hold(person: Person, unit: Unit, kind: str, title: str = "", *,
         capacity: str = Capacity.DEFINITIVE, start: date = date(2020, 1, 1),
         end: date | None = None) -> PositionHolding:
    title = title or f"{kind} {unit.name}"
    if kind == "staff":
        position, _ = Position.objects.get_or_create(unit=unit, kind=kind, title=title)
    else:
        position, _ = Position.objects.get_or_create(unit=unit, kind=kind,
                                                     defaults={"title": title})
    return PositionHolding.objects.create(person=person, position=position, capacity=capacity,
                                          start_date=start, end_date=end)
