from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kinerja.organisation.models import NumberKind, Person
from kinerja.organisation.nip import format_nip, parse_nip
from kinerja.organisation.tests.factories import AgencyFactory


def test_parses_the_seed_approvers_nip():
    nip = parse_nip("19690815 199803 1 008")
    assert nip.birth_date == date(1969, 8, 15)
    assert (nip.appointment_year, nip.appointment_month) == (1998, 3)
    assert nip.sex == "M"
    assert nip.sequence == 8
    assert nip.formatted() == "19690815 199803 1 008"


def test_female_sex_digit():
    assert parse_nip("198509232010012015").sex == "F"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1969081519980310", "nip_length"),          # 16 digits
        ("19690815199803100A", "nip_length"),        # a letter
        ("19691315199803 1 008", "nip_birth"),       # month 13
        ("19690230199803 1 008", "nip_birth"),       # 30 February
        ("19690815199813 1 008", "nip_appointment"),  # appointment month 13
        ("19690815199803 3 008", "nip_sex"),         # sex digit 3
        ("19690815199803 1 000", "nip_sequence"),    # sequence 000
        ("19690815198503 1 008", "nip_too_young"),   # appointed at 15
    ],
)
def test_refuses_invalid_nips_saying_why(raw, code):
    with pytest.raises(ValidationError) as error:
        parse_nip(raw)
    assert error.value.code == code


def test_appointment_in_the_month_of_the_18th_birthday_is_allowed():
    assert parse_nip("19800315199803 2 001").appointment_year == 1998


def test_format_nip_groups_the_digits():
    assert format_nip("196908151998031008") == "19690815 199803 1 008"


@pytest.mark.django_db
def test_person_clean_validates_and_normalises_the_nip():
    agency = AgencyFactory()
    person = Person(agency=agency, name="Ani", employee_number="19690815 199803 2 008")
    person.full_clean()
    assert person.employee_number == "196908151998032008"
    person.employee_number = "19690815 199803 3 008"
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert "employee_number" in error.value.message_dict


@pytest.mark.django_db
def test_staff_without_a_number_are_allowed_and_marked():
    agency = AgencyFactory()
    person = Person(agency=agency, name="Tenaga Pendukung", number_kind=NumberKind.NONE,
                    employee_number="")
    person.full_clean()
    assert person.employee_number is None
    person.employee_number = "196908151998031008"
    with pytest.raises(ValidationError):
        person.full_clean()


@pytest.mark.django_db
def test_a_civil_servant_needs_a_number_and_pppk_needs_18_digits():
    agency = AgencyFactory()
    with pytest.raises(ValidationError):
        Person(agency=agency, name="X", number_kind=NumberKind.NIP).full_clean()
    Person(agency=agency, name="Y", number_kind=NumberKind.PPPK,
           employee_number="199709092023211004").full_clean()
    with pytest.raises(ValidationError):
        Person(agency=agency, name="Z", number_kind=NumberKind.PPPK,
               employee_number="1997090920232110").full_clean()
