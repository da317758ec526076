from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

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


# -- a unit's track: the same rule, read from the track's unit and stage ---------------------

def track(unit, stage):
    """What the rule reads of a round's track: its unit and its stage (a plain number, as
    the track's field holds it)."""
    return SimpleNamespace(unit=unit, stage=int(stage))


D, S, H, F = DataStage  # draft, submitted, handed over, final


@pytest.mark.parametrize("who, seen_at", [
    ("staff_y", {D, S, H, F}), ("kabid_y", {D, S, H, F}),
    ("head", {S, H, F}), ("secretary", {S, H, F}),
    ("kasubbid_data", {H, F}), ("staff_data", {H, F}),
    ("kabid_x", set()), ("staff_x", set()), ("kasubbag_planning", set()),
    ("staff_secretariat", set()), ("outsider", set()),
])
def test_a_track_of_bidang_y_is_seen_by_role_and_stage(org, who, seen_at):
    person = viewer(getattr(org, who))
    for stage in DataStage:
        assert person.can_see_track(track(org.division_y, stage)) is (stage in seen_at), stage


def test_a_track_of_another_agency_is_seen_by_nobody_of_this_one(org):
    for who in ("head", "secretary", "staff_data", "kabid_x", "staff_secretariat"):
        for stage in DataStage:
            assert not viewer(getattr(org, who)).can_see_track(track(org.other_root, stage))
    # Its own head: once submitted, as in any agency.
    outsider = viewer(org.outsider)
    assert [outsider.can_see_track(track(org.other_root, stage)) for stage in DataStage] == [
        False, True, True, True]


def test_the_units_seen_among_a_rounds_tracks(org):
    tracks = [track(org.division_x, D), track(org.division_y, S),
              track(org.secretariat, H), track(org.other_root, F)]
    expected = {
        "head": {org.division_y.id, org.secretariat.id},
        "secretary": {org.division_y.id, org.secretariat.id},
        "staff_data": {org.division_x.id, org.secretariat.id},
        "kabid_x": {org.division_x.id},
        "kabid_y": {org.division_y.id},
        "staff_secretariat": {org.secretariat.id},
        "outsider": {org.other_root.id},
    }
    for who, unit_ids in expected.items():
        assert viewer(getattr(org, who)).visible_unit_ids(tracks) == unit_ids, who
    assert Viewer.for_user(AnonymousUser()).visible_unit_ids(tracks) == set()


def test_every_unit_seen_only_when_no_track_is_hidden(org):
    own = [track(org.division_y, S), track(org.secretariat, H)]
    head, secretary, data = viewer(org.head), viewer(org.secretary), viewer(org.staff_data)
    assert head.sees_every_unit(own) is True
    assert secretary.sees_every_unit(own) is True
    assert data.sees_every_unit(own) is False  # Bidang Y is only submitted
    assert head.sees_every_unit([*own, track(org.division_x, D)]) is False  # a draft
    assert head.sees_every_unit([*own, track(org.other_root, F)]) is False  # another agency
    assert data.sees_every_unit([track(org.division_y, H), track(org.division_x, D)]) is True
    assert viewer(org.outsider).sees_every_unit(own) is False
    # No tracks hide nothing, but someone who is no person sees none.
    assert head.sees_every_unit([]) is True
    assert Viewer.for_user(AnonymousUser()).sees_every_unit([]) is False
