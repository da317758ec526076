"""Who may cancel, finalise without the missing units and reopen a round: one predicate per
action in the services (`may_cancel`, `may_finalise_without`, `may_reopen`), which the
services raise their refusals through and the round page offers its forms by (issue 12,
item 5)."""

import pytest
from django.urls import reverse

from kinerja.api.tests.support import database_state
from kinerja.collection import services
from kinerja.collection.models import RoundStatus
from kinerja.conftest import fresh, hand_over_and_acknowledge
from kinerja.core.errors import OutOfTurn, PermissionDenied
from kinerja.organisation.visibility import Viewer

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("validated_round")]

# (cancel, finalise without, reopen) for each persona and status.
ALLOWED = {
    ("head", RoundStatus.OPEN): (True, True, False),
    ("head", RoundStatus.FINALISED): (False, False, True),
    ("head", RoundStatus.CANCELLED): (False, False, False),
    ("secretary", RoundStatus.OPEN): (False, False, False),
    ("secretary", RoundStatus.FINALISED): (False, False, False),
    ("secretary", RoundStatus.CANCELLED): (False, False, False),
    ("staff_data", RoundStatus.OPEN): (False, False, False),
    ("staff_data", RoundStatus.FINALISED): (False, False, False),
    # The head of another agency: never, whatever the status.
    ("outsider", RoundStatus.OPEN): (False, False, False),
    ("outsider", RoundStatus.FINALISED): (False, False, False),
    ("outsider", RoundStatus.CANCELLED): (False, False, False),
}


@pytest.mark.parametrize(("persona", "status"), list(ALLOWED))
def test_each_predicate_per_role_and_status(org, validated_round, persona, status):
    viewer = Viewer.for_user(getattr(org, persona).user)
    round_ = validated_round
    round_.status = status  # the predicates read the round as given, nothing else
    assert (services.may_cancel(viewer, round_), services.may_finalise_without(viewer, round_),
            services.may_reopen(viewer, round_)) == ALLOWED[persona, status]


def test_the_services_refuse_through_the_predicates_with_their_codes(org, validated_round):
    round_ = validated_round
    before = database_state()
    refusals = [
        (lambda person: services.round_cancel(user=person.user, round_=round_, reason="Salah",
                                              expected_version=round_.version)),
        (lambda person: services.round_finalise(user=person.user, round_=round_,
                                                reason="Batas waktu",
                                                expected_version=round_.version)),
    ]
    for person in (org.secretary, org.outsider):
        for refuse in refusals:
            with pytest.raises(PermissionDenied) as refusal:
                refuse(person)
            assert (refusal.value.code, refusal.value.status_code) == ("forbidden", 403)
    with pytest.raises(OutOfTurn) as refusal:
        services.round_reopen(user=org.head.user, round_=round_, reason="Koreksi",
                              expected_version=round_.version)
    assert refusal.value.code == "not_finalised"
    assert database_state() == before


def test_finalised_then_the_head_of_another_agency_may_not_reopen(org, validated_round):
    round_ = validated_round
    services.round_finalise(user=org.head.user, round_=round_, reason="Batas waktu LKjIP",
                            expected_version=round_.version)
    round_ = fresh(round_)
    for person in (org.outsider, org.secretary):
        assert not services.may_reopen(Viewer.for_user(person.user), round_)
        with pytest.raises(PermissionDenied) as refusal:
            services.round_reopen(user=person.user, round_=round_, reason="Koreksi",
                                  expected_version=round_.version)
        assert refusal.value.code == "forbidden"
    for refuse in (
            lambda: services.round_cancel(user=org.head.user, round_=round_, reason="Salah",
                                          expected_version=round_.version),
            lambda: services.round_finalise(user=org.head.user, round_=round_, reason="Lagi",
                                            expected_version=round_.version)):
        with pytest.raises(OutOfTurn) as refusal:
            refuse()
        assert refusal.value.code == "round_finalised"
    assert services.may_reopen(Viewer.for_user(org.head.user), round_)
    services.round_reopen(user=org.head.user, round_=round_, reason="Koreksi data",
                          expected_version=round_.version)
    assert fresh(round_).status == RoundStatus.OPEN


# -- the round page offers what the predicates allow ------------------------------------------

def _offered(client, person, round_) -> set[str]:
    client.force_login(person.user)
    page = client.get(reverse("collection:round_detail", args=[round_.id]))
    assert page.status_code == 200
    offered = set(page.context["forms"]) & {"finalise", "reopen"}
    return offered | ({"cancel"} if page.context["cancel_form"] is not None else set())


def test_the_page_offers_the_head_cancel_and_finalising_without_the_missing_units(
        client, org, validated_round):
    assert _offered(client, org.head, validated_round) == {"cancel", "finalise"}
    for person in (org.secretary, org.staff_data, org.kasubbid_data):
        assert _offered(client, person, validated_round) == set()


def test_with_every_unit_through_the_finalise_form_is_the_data_staffs_not_the_heads(
        client, org, validated_round):
    for track in validated_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(validated_round)
    # The service would refuse the head here (step 9 is the data staff's): not offered.
    assert _offered(client, org.head, round_) == {"cancel"}
    assert _offered(client, org.staff_data, round_) == {"finalise"}
    with pytest.raises(PermissionDenied):
        services.round_finalise(user=org.head.user, round_=round_, reason="x",
                                expected_version=round_.version)


def test_a_finalised_round_offers_the_head_reopening_only(client, org, validated_round):
    services.round_finalise(user=org.head.user, round_=validated_round, reason="Batas waktu",
                            expected_version=validated_round.version)
    round_ = fresh(validated_round)
    assert _offered(client, org.head, round_) == {"reopen"}
    for person in (org.secretary, org.staff_data):
        assert _offered(client, person, round_) == set()


def test_a_cancelled_round_offers_nothing(client, org, validated_round):
    services.round_cancel(user=org.head.user, round_=validated_round, reason="Tahun salah",
                          expected_version=validated_round.version)
    round_ = fresh(validated_round)
    for person in (org.head, org.secretary):
        assert _offered(client, person, round_) == set()
