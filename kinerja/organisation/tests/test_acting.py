from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from kinerja.organisation.models import Capacity, PositionHolding
from kinerja.organisation.tests.factories import PersonFactory, hold
from kinerja.organisation.visibility import Viewer

pytestmark = pytest.mark.django_db


def test_acting_official_holds_the_second_position_only_within_its_dates(org):
    acting = hold(org.kasubbid_data, org.division_y, "division_head", "Kepala Bidang Y",
                  capacity=Capacity.PLT, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert acting.signing_title == f"Plt. {org.kabid_y.holdings.get().position.title}"

    inside = Viewer.for_user(org.kasubbid_data.user, day=date(2026, 11, 15))
    assert {role.acting for role in inside.roles} == {"", "plt"}
    assert inside.can_open_unit(org.division_y)

    for day in (date(2026, 10, 31), date(2026, 12, 1)):
        outside = Viewer.for_user(org.kasubbid_data.user, day=day)
        assert [role.acting for role in outside.roles] == [""]
        assert not outside.can_open_unit(org.division_y)


def test_plh_signs_as_plh():
    person = PersonFactory()
    from kinerja.organisation.tests.factories import UnitFactory

    unit = UnitFactory(agency=person.agency)
    holding = hold(person, unit, "head", "Kepala Badan", capacity=Capacity.PLH,
                   start=date(2026, 1, 1), end=date(2026, 1, 5))
    assert holding.signing_title == "Plh. Kepala Badan"
    assert holding.is_acting


def test_acting_without_end_date_is_refused(org):
    holding = PositionHolding(person=org.kasubbid_data,
                              position=org.kabid_y.holdings.get().position,
                              capacity=Capacity.PLT, start_date=date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        holding.full_clean()
    assert "end_date" in error.value.message_dict
    with pytest.raises(IntegrityError):
        holding.save()


def test_two_definitive_holders_of_one_head_post_are_refused(org):
    holding = PositionHolding(person=org.staff_y, position=org.kabid_y.holdings.get().position,
                              start_date=date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        holding.full_clean()
    assert "position" in error.value.message_dict


def test_a_plh_may_stand_in_for_the_absent_holder(org):
    holding = PositionHolding(person=org.staff_y, position=org.kabid_y.holdings.get().position,
                              capacity=Capacity.PLH, start_date=date(2026, 2, 1),
                              end_date=date(2026, 2, 10))
    holding.full_clean()


def test_a_position_of_another_agency_is_refused(org):
    holding = PositionHolding(person=org.outsider, position=org.kabid_y.holdings.get().position,
                              capacity=Capacity.PLT, start_date=date(2026, 2, 1),
                              end_date=date(2026, 2, 10))
    with pytest.raises(ValidationError):
        holding.full_clean()


def test_roles_come_only_from_positions(org):
    viewer = Viewer.for_user(org.staff_x.user)
    assert [role.position_kind for role in viewer.roles] == ["staff"]
    org.staff_x.holdings.all().delete()
    assert Viewer.for_user(org.staff_x.user).roles == ()
