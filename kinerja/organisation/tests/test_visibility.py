import pytest

from kinerja.organisation.visibility import DataStage, Viewer

pytestmark = pytest.mark.django_db


def viewer(person):
    return Viewer.for_user(person.user)


def test_people_see_their_unit_and_the_units_below(org):
    assert viewer(org.head).scope_unit_ids >= {org.root.id, org.division_x.id,
                                               org.data_subdivision.id, org.division_y.id}
    kabid_x = viewer(org.kabid_x)
    assert kabid_x.can_open_unit(org.division_x)
    assert kabid_x.can_open_unit(org.data_subdivision)
    assert not kabid_x.can_open_unit(org.division_y)
    assert not kabid_x.can_open_unit(org.root)
    assert not viewer(org.staff_data).can_open_unit(org.division_x)


def test_nobody_sees_another_agency(org):
    outsider = viewer(org.outsider)
    for unit in (org.root, org.division_x, org.secretariat):
        assert not outsider.can_open_unit(unit)
        for stage in DataStage:
            assert not outsider.can_see_unit_data(unit, stage)
    assert not viewer(org.head).can_open_unit(org.other_root)


def test_drafts_are_seen_only_inside_the_unit(org):
    unit = org.division_x
    inside = [org.kabid_x, org.staff_x, org.staff_data, org.kasubbid_data]
    outside = [org.head, org.secretary, org.kabid_y, org.staff_y, org.kasubbag_planning]
    for person in inside:
        assert viewer(person).can_see_unit_data(unit, DataStage.DRAFT), person
    for person in outside:
        assert not viewer(person).can_see_unit_data(unit, DataStage.DRAFT), person


def test_staff_of_a_subunit_work_on_their_bidangs_data(org):
    assert viewer(org.staff_data).working_unit_ids == {org.division_x.id}
    assert viewer(org.staff_secretariat).working_unit_ids == {org.secretariat.id}
    assert viewer(org.staff_secretariat).can_see_unit_data(org.secretariat, DataStage.DRAFT)


def test_submitted_recap_is_seen_by_the_head_and_secretary(org):
    unit = org.division_y
    assert viewer(org.head).can_see_unit_data(unit, DataStage.SUBMITTED)
    assert viewer(org.secretary).can_see_unit_data(unit, DataStage.SUBMITTED)
    assert viewer(org.kabid_y).can_see_unit_data(unit, DataStage.SUBMITTED)
    assert not viewer(org.kasubbid_data).can_see_unit_data(unit, DataStage.SUBMITTED)
    assert not viewer(org.kabid_x).can_see_unit_data(unit, DataStage.SUBMITTED)


def test_handed_over_data_is_seen_by_the_data_subsection(org):
    unit = org.division_y
    for person in (org.kasubbid_data, org.staff_data):
        assert viewer(person).can_see_unit_data(unit, DataStage.HANDED_OVER)
        assert viewer(person).can_see_unit_data(unit, DataStage.FINAL)
    assert not viewer(org.kabid_x).can_see_unit_data(unit, DataStage.HANDED_OVER)
    assert not viewer(org.staff_x).can_see_unit_data(unit, DataStage.FINAL)
