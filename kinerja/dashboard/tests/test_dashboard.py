"""The head's dashboard: every unit's step and lateness with who holds it, the working time
against the SOP's standards, and achievement from the finalised recaps only, each reader
seeing only the units' figures the visibility rule gives them; the same figures over the API.

Agency A (kinerja/conftest.py) has Q3 2026 finalised (X1 8, X2 12, Y1 5, S1 10 against
targets of 10: 80 %, 120 %, 50 %, 100 %) and Q4 2026 at data entry, built per test."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kinerja.collection import services
from kinerja.collection.models import Disposition, ExecutionStatus, StepExecution, TrackStage
from kinerja.conftest import fresh, meet, send_round, submitted
from kinerja.core.models import AuditEvent
from kinerja.dashboard import selectors
from kinerja.notifications.holders import Holders
from kinerja.notifications.models import Notification
from kinerja.organisation.visibility import Viewer

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("finalised_round")]


def open_entry_round(org, sop, period="Q4"):
    today = timezone.localdate()
    disposition = services.disposition_create(
        user=org.head.user,
        sop=sop,
        year=2026,
        period=period,
        date=today,
        speed="segera",
        security="biasa",
        subject=f"Pengumpulan data kinerja {period}",
        instruction="Kumpulkan data kinerja.",
        deadline=today + timedelta(days=14),
    )
    round_ = services.disposition_sign(
        user=org.head.user, disposition=disposition, expected_version=disposition.version
    )
    return meet(org, send_round(org, round_))


@pytest.fixture
def current(org, sop, finalised_round, catalogue):
    """Q4 at data entry: Bidang X has submitted (validation waits on its head), Bidang Y has
    typed a draft value, the Sekretariat has not begun."""
    round_ = open_entry_round(org, sop)
    x1, x2, y1, _s1 = catalogue
    submitted(round_, org.division_x, org.staff_x, {x1: "3", x2: "4"})
    track_y = round_.tracks.get(unit=org.division_y)
    services.values_save(
        user=org.staff_y.user,
        track=track_y,
        entries=[services.ValueEntry(indicator_id=y1.id, value_text="6,5", explanation="Draf")],
    )
    return fresh(round_)


def viewer(person):
    return Viewer.for_user(person.user)


def test_the_current_round_unit_by_unit(org, current, client):
    found = selectors.dashboard_for_viewer(viewer=viewer(org.head))
    assert found.round.id == current.id
    units = {unit.unit_name: unit for unit in found.units}
    assert set(units) == {"Sekretariat", "Bidang X", "Bidang Y"}
    ((x,), (y,), (s,)) = (
        units["Bidang X"].waiting,
        units["Bidang Y"].waiting,
        units["Sekretariat"].waiting,
    )
    assert (x.step.number, y.step.number, s.step.number) == (7, 5, 5)
    assert units["Bidang X"].stage == TrackStage.SUBMITTED
    # Who holds each step: exactly who has it in "My tasks".
    assert x.holders == [org.kabid_x.full_name]
    assert y.holders == [org.staff_y.full_name]
    assert s.holders == [org.staff_secretariat.full_name]
    assert not any(item.late for item in (x, y, s))
    assert all(item.minutes_left >= 0 and item.may_remind for item in (x, y, s))

    client.force_login(org.head.user)
    page = client.get(reverse("dashboard:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-unit="bidang-x" data-step="7" data-late="0"' in html
    assert 'data-unit="bidang-y" data-step="5" data-late="0"' in html
    # "Langkah 5 · Pengisian data": the step's number and its kind, in Indonesian.
    assert "Langkah 5 · Pengisian data" in html
    assert html.count('action="/dashboard/remind/') == 3
    assert "csrfmiddlewaretoken" in html


def test_late_steps_and_time_over(org, current):
    track = current.tracks.get(unit=org.division_y)
    execution = StepExecution.objects.get(track=track, status=ExecutionStatus.OPEN)
    later = execution.due_at + timedelta(days=7)
    found = selectors.dashboard_for_viewer(viewer=viewer(org.head), now=later)
    (item,) = next(unit for unit in found.units if unit.unit_name == "Bidang Y").waiting
    assert item.late and item.minutes_left < 0
    assert found.late_count == 3  # every unit's data entry is as late


def test_the_head_and_the_secretary_land_on_it_others_on_their_tasks(org, client):
    for person, target in (
        (org.head, "/dashboard/"),
        (org.secretary, "/dashboard/"),
        (org.kabid_x, "/tasks/"),
        (org.staff_x, "/tasks/"),
    ):
        client.force_login(person.user)
        assert client.get("/")["Location"] == target, person


def test_the_menu_entry_for_those_who_may_see_it(org, client):
    for person, shown in (
        (org.head, True),
        (org.secretary, True),
        (org.kabid_y, True),
        (org.kasubbid_data, True),
        (org.staff_x, False),
        (org.staff_data, False),
    ):
        client.force_login(person.user)
        page = client.get(reverse("core:my_tasks")).content.decode()
        assert ('data-nav="dashboard"' in page) is shown, person


def test_the_round_page_links_to_its_dashboard(org, current, client):
    url = reverse("collection:round_detail", args=[current.id])
    client.force_login(org.kabid_y.user)
    assert f'href="/dashboard/rounds/{current.id}/"' in client.get(url).content.decode()
    client.force_login(org.staff_y.user)
    assert 'id="dashboard-link"' not in client.get(url).content.decode()


def test_staff_and_other_agencies_are_refused(org, current, client, finalised_round):
    urls = [
        reverse("dashboard:dashboard"),
        reverse("dashboard:round_dashboard", args=[current.id]),
        "/api/v1/dashboard",
        f"/api/v1/rounds/{current.id}/dashboard",
    ]
    for url in urls:
        client.logout()
        assert client.get(url).status_code in (302, 401), url
        for person in (org.staff_x, org.staff_data, org.staff_y):
            client.force_login(person.user)
            assert client.get(url).status_code == 403, (url, person)
    # Another agency's head: the round is not found; their own dashboard has no round.
    client.force_login(org.outsider.user)
    assert client.get(urls[1]).status_code == 404
    assert client.get(urls[3]).status_code == 404
    own = client.get(urls[0]).content.decode()
    assert 'id="no-round"' in own and "Bidang X" not in own
    assert client.get(urls[2]).json()["round"] is None


def test_achievement_is_the_finalised_recap_only(org, current, finalised_round):
    found = selectors.dashboard_for_viewer(viewer=viewer(org.head))
    achievement = found.achievement
    assert achievement.reference.round_id == finalised_round.id
    counts = {row.code: row.count for row in achievement.categories}
    assert counts == {
        "very_high": 2,
        "high": 1,
        "medium": 0,
        "low": 0,
        "very_low": 1,
        "not_computable": 0,
    }
    (objective,) = achievement.objectives
    assert (objective.code, objective.indicators, objective.computable) == ("S1", 4, 4)
    assert objective.percent == Decimal("87.5") and objective.band.code == "high"
    trends = {trend.code: [p.percent for p in trend.points] for trend in achievement.trends}
    assert trends == {
        "S1": [Decimal(100)],
        "X1": [Decimal(80)],
        "X2": [Decimal(120)],
        "Y1": [Decimal(50)],
    }
    assert achievement.hidden_units == []


def test_a_unit_head_sees_only_their_units_figures(org, current, client):
    found = selectors.dashboard_for_viewer(viewer=viewer(org.kabid_y))
    # The progress of every unit, as on the round page ...
    assert len(found.units) == 3
    assert not any(item.may_remind for unit in found.units for item in unit.waiting)
    # ... the figures of their own unit only.
    assert [trend.code for trend in found.achievement.trends] == ["Y1"]
    assert {row.code: row.count for row in found.achievement.categories}["very_low"] == 1
    assert sorted(found.achievement.hidden_units) == ["Bidang X", "Sekretariat"]
    client.force_login(org.kabid_y.user)
    page = client.get(reverse("dashboard:dashboard")).content.decode()
    assert 'data-indicator="Y1"' in page and 'data-indicator="X1"' not in page
    assert "Indikator X1" not in page
    body = client.get("/api/v1/dashboard").json()
    assert [trend["code"] for trend in body["achievement"]["trends"]] == ["Y1"]
    # The data subsection sees every unit's final data.
    data = selectors.dashboard_for_viewer(viewer=viewer(org.kasubbid_data))
    assert len(data.achievement.trends) == 4


def test_draft_figures_are_never_shown_to_another_unit(org, current, client):
    """The head finalises Q4 without Bidang Y and the Sekretariat: their snapshot rows hold
    drafts (Y's 6,5: 65 %), which nobody outside those units sees on the dashboard."""
    services.round_finalise(
        user=org.head.user,
        round_=current,
        reason="Batas waktu",
        expected_version=fresh(current).version,
    )
    for person in (org.head, org.secretary, org.kabid_x, org.kasubbid_data):
        found = selectors.dashboard_for_viewer(viewer=viewer(person), round_id=current.id)
        q4 = [
            point
            for trend in found.achievement.trends
            for point in trend.points
            if point.period.round_id == current.id and point.percent is not None
        ]
        shown = {
            trend.code
            for trend in found.achievement.trends
            if any(
                p.period.round_id == current.id and (p.percent or p.reason) for p in trend.points
            )
        }
        assert "Y1" not in shown, person
        assert "Bidang Y" in found.achievement.hidden_units, person
        assert all(point.percent != Decimal(65) for point in q4)
        client.force_login(person.user)
        page = client.get(reverse("dashboard:round_dashboard", args=[current.id]))
        assert "65,00" not in page.content.decode()
    inside = selectors.dashboard_for_viewer(viewer=viewer(org.kabid_y), round_id=current.id)
    y1 = next(trend for trend in inside.achievement.trends if trend.code == "Y1")
    assert [p.percent for p in y1.points] == [Decimal(50), Decimal(65)]


def test_time_against_the_standard(org, current, finalised_round):
    standard = {
        e.step.number: e.step.time_standard_minutes
        for e in finalised_round.executions.select_related("step")
    }
    # Bidang X took 3 × its standard at data entry in Q3; the others half of it.
    q3 = StepExecution.objects.filter(round=finalised_round, step__number=5)
    q3.update(working_minutes=standard[5] // 2)
    q3.filter(track__unit=org.division_x).update(working_minutes=3 * standard[5])
    found = selectors.dashboard_for_viewer(
        viewer=viewer(org.head), now=timezone.now() + timedelta(days=30)
    )
    step5 = next(entry for entry in found.step_times if entry.step.number == 5)
    assert step5.standard_minutes == standard[5]
    # Q3's three and Q4's Bidang X (done at once: 0 minutes).
    assert (step5.finished, step5.median_minutes, step5.max_minutes) == (
        4,
        standard[5] // 2,
        3 * standard[5],
    )
    assert step5.finished_over == 1
    # Q4's data entry is still open for Y and the Sekretariat, 30 days on: over, so far.
    assert step5.running == 2 and step5.running_over == 2
    assert step5.over_percent == Decimal("50.00")  # 3 of 6
    assert [s.running for s in step5.samples].count(True) == 2


def test_the_api_gives_the_same_figures(org, current, client):
    client.force_login(org.head.user)
    body = client.get("/api/v1/dashboard").json()
    found = selectors.dashboard_for_viewer(viewer=viewer(org.head))
    assert body["round"]["id"] == current.id
    assert [(u["unit"], [w["step"] for w in u["waiting"]]) for u in body["units"]] == [
        (u.unit_name, [w.step.number for w in u.waiting]) for u in found.units
    ]
    assert body["units"][1]["waiting"][0]["holders"] == found.units[1].waiting[0].holders
    assert body["achievement"]["objectives"][0]["achievement_percent"] == "87.50"
    assert {c["code"]: c["count"] for c in body["achievement"]["categories"]}["high"] == 1
    assert [s["step"] for s in body["step_times"]] == list(range(1, 10))
    other = client.get(f"/api/v1/rounds/{body['rounds'][-1]['id']}/dashboard").json()
    assert other["round"]["status"] == "finalised" and other["units"][0]["finished"]
    assert client.get("/api/v1/rounds/999999/dashboard").status_code == 404


def test_bad_input_is_a_clear_error(org, current, client):
    client.force_login(org.head.user)
    assert client.get(reverse("dashboard:dashboard"), {"round": "abc"}).status_code == 400
    assert client.get(reverse("dashboard:dashboard"), {"round": "0"}).status_code == 400
    response = client.get(reverse("dashboard:dashboard"), {"round": str(current.id)})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:round_dashboard", args=[current.id])
    assert client.get("/dashboard/rounds/99999999999999999999/").status_code == 404
    assert client.get("/api/v1/rounds/0/dashboard").status_code == 422
    assert client.post(reverse("dashboard:dashboard")).status_code == 405


def test_remind_sends_to_the_holders_and_refuses_others(org, current, client):
    execution = StepExecution.objects.get(
        track__round=current, track__unit=org.division_y, status=ExecutionStatus.OPEN
    )
    holders = sorted(person.id for person in Holders.for_agency(org.agency.id).of(
        execution, Disposition.objects.filter(round=current).first()))
    assert holders
    url = reverse("dashboard:remind", args=[execution.id])
    assert client.post(url).status_code == 302  # to the log-in
    client.force_login(org.staff_x.user)
    assert client.post(url).status_code == 403
    client.force_login(org.outsider.user)
    assert client.post(url).status_code == 404
    assert not Notification.objects.exists()
    client.force_login(org.head.user)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:round_dashboard", args=[current.id])
    sent = Notification.objects.filter(execution=execution, kind="manual")
    assert sorted(sent.values_list("recipient_id", flat=True)) == holders
    assert AuditEvent.objects.filter(action="notification.reminded",
                                     actor=org.head.user).count() == 1


def test_a_refused_reminder_shows_why(org, current, client):
    """The notifications' own rule: a Kabid may open the dashboard but not remind."""
    execution = StepExecution.objects.get(
        track__round=current, track__unit=org.division_y, status=ExecutionStatus.OPEN
    )
    client.force_login(org.kabid_y.user)
    response = client.post(reverse("dashboard:remind", args=[execution.id]))
    assert response.status_code == 403
    assert 'id="dashboard-units"' in response.content.decode()
