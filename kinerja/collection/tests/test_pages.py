"""Steps 1–4 through the pages, as each official would do them."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kinerja.collection.models import Disposition, ExecutionStatus, Meeting, Round
from kinerja.collection.tests.conftest import fresh

pytestmark = pytest.mark.django_db


def act(client, person, round_, action, **data):
    client.force_login(person.user)
    return client.post(reverse("collection:round_action", args=[round_.id, action]),
                       {"version": fresh(round_).version, **data})


def test_head_drafts_and_signs_a_disposition_through_the_pages(client, org, sop):
    client.force_login(org.head.user)
    assert client.get(reverse("collection:round_list")).context["can_start"]
    today = timezone.localdate()
    response = client.post(reverse("collection:disposition_new"), {
        "sop": sop.id, "year_period": "2026-Q3", "date": today.isoformat(),
        "speed": "segera", "security": "biasa", "subject": "Data kinerja TW III",
        "instruction": "Kumpulkan data kinerja.",
        "deadline": (today + timedelta(days=7)).isoformat()})
    disposition = Disposition.objects.get()
    assert response["Location"] == reverse("collection:disposition_detail",
                                           args=[disposition.id])
    response = client.post(reverse("collection:disposition_sign", args=[disposition.id]),
                           {"version": disposition.version})
    round_ = Round.objects.get()
    assert response["Location"] == reverse("collection:round_detail", args=[round_.id])

    client.force_login(org.secretary.user)
    tasks = client.get(reverse("core:my_tasks")).context["tasks"]
    assert [(t.code, t.execution.step.number) for t in tasks] == [("forward", 2)]
    page = client.get(reverse("collection:round_detail", args=[round_.id]))
    assert "forward" in page.context["forms"]


def test_a_bad_disposition_form_shows_its_errors_and_saves_nothing(client, org, sop):
    client.force_login(org.head.user)
    today = timezone.localdate()
    response = client.post(reverse("collection:disposition_new"), {
        "sop": sop.id, "year_period": "2026-Q9", "date": "kemarin", "speed": "x",
        "security": "biasa", "subject": "", "instruction": "x",
        "deadline": today.isoformat()})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"year_period", "date", "speed", "subject"}
    assert not Disposition.objects.exists()
    # A period the catalogue does not cover is not offered, and so refused.
    response = client.post(reverse("collection:disposition_new"), {
        "sop": sop.id, "year_period": "1800-Q3", "date": today.isoformat(),
        "speed": "biasa", "security": "biasa", "subject": "x", "instruction": "x",
        "deadline": today.isoformat()})
    assert response.status_code == 200
    assert "year_period" in response.context["form"].errors
    assert not Disposition.objects.exists()


def test_steps_2_to_4_through_the_pages(client, org, opened_round, catalogue):
    round_ = opened_round
    assert act(client, org.secretary, round_, "forward",
               instruction="Siapkan format.").status_code == 302
    client.force_login(org.kasubbid_data.user)
    codes = [t.code for t in client.get(reverse("core:my_tasks")).context["tasks"]]
    assert codes == ["format"]
    client.force_login(org.kasubbag_planning.user)
    codes = [t.code for t in client.get(reverse("core:my_tasks")).context["tasks"]]
    assert codes == ["initial"]
    assert act(client, org.kasubbag_planning, round_, "initial").status_code == 302
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    assert act(client, org.kasubbid_data, round_, "format_create", due_date=due,
               require_value="on").status_code == 302
    assert act(client, org.kasubbid_data, round_, "format_indicators",
               indicators=[catalogue[0].id, catalogue[2].id]).status_code == 302
    assert act(client, org.kasubbid_data, round_, "format_finalise").status_code == 302
    assert act(client, org.kasubbid_data, round_, "format_send").status_code == 302
    # The tracks start for the units the format asks data of (engine.reporting_units): the
    # Sekretariat's indicator was left out, so it has nothing to report this round.
    assert {track.unit for track in fresh(round_).tracks.all()} == {org.division_x,
                                                                    org.division_y}
    response = act(client, org.kasubbid_data, round_, "meeting",
                   held_at=timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                   place="Aula", invitees=[org.kabid_x.id, org.kabid_y.id],
                   attendees=[org.kabid_x.id], minutes="Dibahas.", decisions="")
    assert response.status_code == 302
    assert Meeting.objects.get().attendees.count() == 1
    open_steps = {e.step.number for e in round_.executions.filter(
        status=ExecutionStatus.OPEN)}
    assert open_steps == {5}
    page = client.get(reverse("collection:round_detail", args=[round_.id]))
    content = page.content.decode()
    assert 'id="tracks"' in content and 'id="meeting"' in content


def test_a_stale_page_is_refused_with_a_message(client, org, opened_round):
    client.force_login(org.secretary.user)
    response = client.post(reverse("collection:round_action", args=[opened_round.id,
                                                                    "forward"]),
                           {"version": opened_round.version - 1 or 99,
                            "instruction": "x"})
    assert response.status_code == 409
    assert any("saved this first" in str(m) or "lebih dahulu" in str(m)
               for m in response.context["messages"])


def test_invalid_action_form_is_refused_with_400(client, org, opened_round):
    response = act(client, org.secretary, opened_round, "forward", instruction="")
    assert response.status_code == 400
    assert not Disposition.objects.get().forward_instruction


def test_round_page_query_count_is_bounded(client, org, sent_round,
                                           django_assert_max_num_queries):
    client.force_login(org.kasubbid_data.user)
    with django_assert_max_num_queries(60):
        assert client.get(reverse("collection:round_detail",
                                  args=[sent_round.id])).status_code == 200


def test_each_unit_head_gets_its_units_part_of_the_format_as_a_task(client, org, sent_round):
    for person, unit in ((org.kabid_x, org.division_x), (org.kabid_y, org.division_y),
                         (org.secretary, org.secretariat)):
        client.force_login(person.user)
        tasks = client.get(reverse("core:my_tasks")).context["tasks"]
        track = sent_round.tracks.get(unit=unit)
        assert [(t.code, t.url) for t in tasks] == [("unit_part", reverse(
            "collection:track_detail", args=[sent_round.id, track.id]))], person
        assert client.get(tasks[0].url).status_code == 200
    client.force_login(org.kasubbid_data.user)
    codes = [t.code for t in client.get(reverse("core:my_tasks")).context["tasks"]]
    assert codes == ["meeting"]
