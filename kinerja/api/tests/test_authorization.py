"""Every operation of the OpenAPI document: anonymous callers get 401, and a persona of
another unit, agency or role is refused (403, or 404 for another agency) and changes nothing.

`ROUTES` holds one entry per path and method. `test_every_operation_has_an_entry` reads the
operations from the OpenAPI document and fails when a route is added without an entry here.
Each entry builds, through the services, the state its route acts on (so that a refusal is a
refusal, not a step out of turn), then checks the refused personas, then the allowed one.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone

from kinerja.accounts.models import ApiToken
from kinerja.accounts.services import api_token_create
from kinerja.api.api import api
from kinerja.collection import services
from kinerja.collection.models import Round, Track
from kinerja.conftest import fresh
from kinerja.documents.services import documents_issue_for, documents_issue_missing
from kinerja.notifications.models import Notification
from kinerja.organisation.tests.factories import UserFactory

from .support import PASSWORD, Caller, database_state

pytestmark = pytest.mark.django_db

OUTSIDER = "outsider"  # the head of agency B
NOBODY = "nobody"  # a log-in without a person


class Scenario:
    """The state each route needs, made through the services; tokens for the personas."""

    ROUND_STAGES = ["signed", "forwarded", "initialled", "format_drafted", "format_final",
                    "sent", "met"]
    TRACK_STAGES = ["entry", "recap", "validation", "approved", "handed_over"]

    def __init__(self, org, sop, catalogue):
        self.org, self.sop, self.catalogue = org, sop, catalogue
        self._tokens: dict[str, str] = {}
        self.today = timezone.localdate()

    def user(self, persona: str):
        if persona == NOBODY:
            return UserFactory(username=NOBODY)
        return getattr(self.org, persona).user

    def caller(self, persona: str | None) -> Caller:
        if persona is None:
            return Caller()
        if persona not in self._tokens:
            self._tokens[persona] = api_token_create(user=self.user(persona), name="tests")[1]
        return Caller(self._tokens[persona])

    def draft(self, year=2026, period="Y"):
        return services.disposition_create(
            user=self.org.head.user, sop=self.sop, year=year, period=period, date=self.today,
            speed="biasa", security="biasa", subject="Data kinerja", instruction="Kumpulkan.",
            deadline=self.today + timedelta(days=7))

    def round_at(self, stage: str, year=2026, period="Q3") -> Round:
        """A round carried through the once-per-round steps up to `stage`."""
        org, upto = self.org, self.ROUND_STAGES.index(stage)
        draft = self.draft(year, period)
        round_ = services.disposition_sign(user=org.head.user, disposition=draft,
                                           expected_version=draft.version)
        moves = [
            lambda: services.disposition_forward(user=org.secretary.user, round_=round_,
                                                 instruction="Siapkan format.",
                                                 expected_version=fresh(round_).version),
            lambda: services.disposition_initial(user=org.kasubbag_planning.user,
                                                 round_=round_,
                                                 expected_version=fresh(round_).version),
            lambda: services.format_create(user=org.kasubbid_data.user, round_=round_,
                                           due_date=self.today + timedelta(days=10),
                                           expected_version=fresh(round_).version),
            lambda: services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                                             expected_version=fresh(round_).version),
            lambda: services.format_send(user=org.kasubbid_data.user, round_=round_,
                                         expected_version=fresh(round_).version),
            lambda: services.meeting_record(
                user=org.kasubbid_data.user, round_=round_, held_at=timezone.now(),
                place="Ruang rapat", invitees=[org.kabid_x], attendees=[org.kabid_x],
                minutes="Format dibahas.", decisions="", expected_version=fresh(round_).version),
        ]
        for move in moves[:upto]:
            move()
        return fresh(round_)

    def track_at(self, stage: str) -> Track:
        """Bidang X's track of a round in data entry, carried up to `stage`."""
        org, upto = self.org, self.TRACK_STAGES.index(stage)
        track = self.round_at("met").tracks.get(unit=self.org.division_x)
        x1, x2 = self.catalogue[:2]
        services.values_save(user=org.staff_x.user, track=track, entries=[
            services.ValueEntry(indicator_id=x1.id, value_text="9,5"),
            services.ValueEntry(indicator_id=x2.id, value_text="9,5")])
        moves = [
            lambda t: services.data_entry_complete(user=org.staff_x.user, track=t,
                                                   expected_version=t.version),
            lambda t: services.unit_recap_submit(user=org.staff_x.user, track=t,
                                                 expected_version=t.version),
            lambda t: services.unit_recap_approve(user=org.kabid_x.user, track=t,
                                                  expected_version=t.version),
            lambda t: services.handover_submit(user=org.kabid_x.user, track=t,
                                               expected_version=t.version),
        ]
        for move in moves[:upto]:
            move(track)
            track.refresh_from_db()
        return track

    def finalised_round(self) -> Round:
        round_ = self.round_at("signed", 2026, "Q4")
        services.round_finalise(user=self.org.head.user, round_=round_, reason="Uji",
                                expected_version=round_.version)
        return fresh(round_)


@dataclass
class Route:
    """`prepare` makes the state and returns (path, body); `refused` maps personas to the
    status they get; `allowed` (a persona, or None for anonymous) then succeeds with
    `status`. `leak` checks what a persona of another agency gets from a list; `also` is any
    further check of a route where no one else can be named."""

    prepare: Callable[[Scenario], tuple[str, object]]
    refused: dict[str, int]
    allowed: str | None
    status: int = 200
    leak: Callable[[Scenario, object], bool] | None = None
    also: Callable[[Scenario], None] | None = None
    notes: str = field(default="")


def _ids(response) -> set:
    return {row["id"] for row in response}


def _round(s: Scenario, stage: str, action: str, body: dict | None = None):
    round_ = s.round_at(stage)
    return f"/rounds/{round_.id}/{action}", {"version": round_.version, **(body or {})}


def _track(s: Scenario, stage: str, action: str, body: dict | None = None):
    track = s.track_at(stage)
    return (f"/rounds/{track.round_id}/tracks/{track.id}/{action}",
            {"version": track.version, **(body or {})})


def _after_a_round(path: str):
    """The list route, once agency A has a round waiting for the secretary."""
    def prepare(s: Scenario):
        s.round_at("signed")
        return path, None
    return prepare


def _revoke_is_only_for_the_token_used(s: Scenario) -> None:
    """Revoking with staff_y's token leaves staff_x's token working."""
    staff_x = s.caller("staff_x")
    assert s.caller("staff_y").delete("/auth/token").status_code == 200
    assert staff_x.get("/me").status_code == 200


def _meeting(s: Scenario):
    round_ = s.round_at("sent")
    return f"/rounds/{round_.id}/meeting", {
        "version": round_.version, "held_at": timezone.now().isoformat(), "place": "Ruang",
        "invitee_ids": [s.org.kabid_x.id], "attendee_ids": [], "minutes": "Dibahas."}


def _round_documents(s: Scenario):
    round_ = s.round_at("signed")
    documents_issue_missing(round_)
    return f"/rounds/{round_.id}/documents", None


def _filled_format(s: Scenario):
    """Bidang X's filled format, filed when its staff completed the data entry (step 5)."""
    track = s.track_at("recap")
    [document] = documents_issue_for(track.executions.get(step__number=5).id)
    return document


READ_REFUSED = {NOBODY: 403}


def _notification(s):
    return Notification.objects.create(recipient=s.org.staff_x, agency=s.org.agency,
                                       kind="manual", created_at=timezone.now())


def _read_all_is_only_ones_own(s):
    assert s.caller("staff_y").post("/notifications/read-all").json() == {"marked": 0}
    assert Notification.objects.filter(recipient=s.org.staff_x, read_at__isnull=True).exists()


ROUTES: dict[tuple[str, str], Route] = {
    # -- people, organisation, SOPs
    ("GET", "/me"): Route(lambda s: ("/me", None), READ_REFUSED, "staff_x"),
    ("GET", "/units"): Route(
        lambda s: ("/units", None), READ_REFUSED, "staff_x",
        leak=lambda s, rows: s.org.division_x.id not in _ids(rows)),
    ("GET", "/units/{unit_id}"): Route(
        lambda s: (f"/units/{s.org.division_x.id}", None),
        {"staff_y": 403, "kabid_y": 403, OUTSIDER: 404, NOBODY: 403}, "kabid_x"),
    ("GET", "/sops"): Route(
        lambda s: ("/sops", None), READ_REFUSED, "staff_x",
        leak=lambda s, rows: s.sop.id not in _ids(rows)),
    ("GET", "/sops/{sop_id}"): Route(
        lambda s: (f"/sops/{s.sop.id}", None), {OUTSIDER: 404, NOBODY: 403}, "staff_x"),
    ("GET", "/sops/{sop_id}/versions/{version}"): Route(
        lambda s: (f"/sops/{s.sop.id}/versions/1", None), {OUTSIDER: 404, NOBODY: 403},
        "staff_x"),
    # -- tokens
    ("POST", "/auth/token"): Route(
        lambda s: ("/auth/token", {"username": "staff_x", "password": "wrong-password",
                                   "name": "script"}),
        {OUTSIDER: 401}, None, status=401,
        notes="Public by design: someone else's user name without the password gets 401 and "
              "no token (test_tokens.py issues tokens and tests the lock-out)."),
    ("DELETE", "/auth/token"): Route(
        lambda s: ("/auth/token", None), {}, "staff_x",
        also=_revoke_is_only_for_the_token_used,
        notes="Revokes the token the request carries: no other token can be named."),
    # -- the catalogue: master data of the whole agency, read by every person of it
    ("GET", "/renstra-periods"): Route(
        lambda s: ("/renstra-periods", None), READ_REFUSED, "staff_y",
        leak=lambda s, rows: rows == []),
    ("GET", "/renstra-periods/{period_id}"): Route(
        lambda s: (f"/renstra-periods/{s.catalogue[0].period_id}", None),
        {OUTSIDER: 404, NOBODY: 403}, "staff_y"),
    ("GET", "/indicators/{indicator_id}"): Route(
        lambda s: (f"/indicators/{s.catalogue[0].id}", None), {OUTSIDER: 404, NOBODY: 403},
        "staff_y"),
    # -- the collection cycle: reads
    ("GET", "/tasks"): Route(
        _after_a_round("/tasks"), READ_REFUSED, "secretary",
        leak=lambda s, rows: rows == []),
    ("GET", "/rounds"): Route(
        _after_a_round("/rounds"), READ_REFUSED, "staff_x",
        leak=lambda s, rows: rows == []),
    ("GET", "/rounds/{round_id}"): Route(
        lambda s: (f"/rounds/{s.round_at('met').id}", None), {OUTSIDER: 404, NOBODY: 403},
        "staff_y"),
    # -- the dashboard: the leadership and unit heads, never staff
    ("GET", "/dashboard"): Route(
        _after_a_round("/dashboard"), {"staff_x": 403, NOBODY: 403}, "head",
        leak=lambda s, page: page["round"] is None),
    ("GET", "/rounds/{round_id}/dashboard"): Route(
        lambda s: (f"/rounds/{s.round_at('signed').id}/dashboard", None),
        {"staff_x": 403, OUTSIDER: 404, NOBODY: 403}, "head"),
    # -- notifications: one's own only
    ("GET", "/notifications"): Route(
        lambda s: (_notification(s), ("/notifications", None))[1], READ_REFUSED, "staff_x",
        leak=lambda s, page: page["count"] == 0),
    ("POST", "/notifications/{notification_id}/read"): Route(
        lambda s: (f"/notifications/{_notification(s).id}/read", None),
        {"staff_y": 404, "head": 404, OUTSIDER: 404, NOBODY: 403}, "staff_x"),
    ("POST", "/notifications/read-all"): Route(
        lambda s: (_notification(s), ("/notifications/read-all", None))[1], {NOBODY: 403},
        "staff_x", also=_read_all_is_only_ones_own,
        notes="Marks the caller's own notifications only: no one else's can be named."),
    # -- documents
    ("GET", "/rounds/{round_id}/documents"): Route(
        _round_documents, {OUTSIDER: 404, NOBODY: 403}, "staff_y"),
    ("GET", "/documents/{identifier}"): Route(
        lambda s: (f"/documents/{_filled_format(s).identifier}", None),
        {"staff_y": 403, "kabid_y": 403, "head": 403, "secretary": 403, OUTSIDER: 404,
         NOBODY: 403}, "staff_x"),
    ("POST", "/documents/{identifier}/hardcopy"): Route(
        lambda s: (f"/documents/{_filled_format(s).identifier}/hardcopy",
                   {"filed_on": s.today.isoformat(), "location": "Arsip Bidang X"}),
        {"staff_y": 403, "kabid_y": 403, OUTSIDER: 404, NOBODY: 403}, "staff_x"),
    ("GET", "/rounds/{round_id}/recap"): Route(
        lambda s: (f"/rounds/{s.round_at('met').id}/recap", None),
        {OUTSIDER: 404, NOBODY: 403}, "staff_y"),
    ("GET", "/rounds/{round_id}/tracks/{track_id}"): Route(
        lambda s: (_track(s, "entry", "")[0].rstrip("/"), None),
        {"staff_y": 403, "kabid_y": 403, "head": 403, "secretary": 403, OUTSIDER: 404,
         NOBODY: 403}, "staff_x"),
    # -- step 1
    ("POST", "/dispositions"): Route(
        lambda s: ("/dispositions", {
            "sop_id": s.sop.id, "year": 2026, "period": "Q2", "date": str(s.today),
            "subject": "Data kinerja", "instruction": "Kumpulkan.",
            "deadline": str(s.today + timedelta(days=7))}),
        {"secretary": 403, "kabid_x": 403, "staff_x": 403, OUTSIDER: 404, NOBODY: 403},
        "head", status=201),
    ("POST", "/dispositions/{disposition_id}/sign"): Route(
        lambda s: (lambda d: (f"/dispositions/{d.id}/sign", {"version": d.version}))(
            s.draft()),
        {"secretary": 403, OUTSIDER: 404, NOBODY: 403}, "head"),
    ("GET", "/sops/{sop_id}/periods"): Route(
        lambda s: (f"/sops/{s.sop.id}/periods", None), {OUTSIDER: 404, NOBODY: 403},
        "staff_x"),
    ("PATCH", "/dispositions/{disposition_id}"): Route(
        lambda s: (lambda d: (f"/dispositions/{d.id}", {"version": d.version,
                                                        "subject": "Data kinerja TW"}))(
            s.draft()),
        {"secretary": 403, "kabid_x": 403, OUTSIDER: 404, NOBODY: 403}, "head"),
    ("DELETE", "/dispositions/{disposition_id}"): Route(
        lambda s: (lambda d: (f"/dispositions/{d.id}", {"version": d.version}))(s.draft()),
        {"secretary": 403, "kabid_x": 403, OUTSIDER: 404, NOBODY: 403}, "head", status=204),
    ("POST", "/rounds/{round_id}/cancel"): Route(
        lambda s: _round(s, "initialled", "cancel", {"reason": "Tahun salah dipilih."}),
        {"secretary": 403, "kasubbid_data": 403, "kabid_x": 403, OUTSIDER: 404,
         NOBODY: 403}, "head"),
    # -- steps 2–4 and 9
    ("POST", "/rounds/{round_id}/forward"): Route(
        lambda s: _round(s, "signed", "forward", {"instruction": "Siapkan format."}),
        {"head": 403, "kabid_x": 403, "kasubbid_data": 403, OUTSIDER: 404, NOBODY: 403},
        "secretary"),
    ("POST", "/rounds/{round_id}/initial"): Route(
        lambda s: _round(s, "forwarded", "initial"),
        {"secretary": 403, "kasubbid_data": 403, "staff_secretariat": 403, OUTSIDER: 404,
         NOBODY: 403}, "kasubbag_planning"),
    ("POST", "/rounds/{round_id}/format"): Route(
        lambda s: _round(s, "initialled", "format",
                         {"due_date": str(timezone.localdate() + timedelta(days=5))}),
        {"secretary": 403, "staff_data": 403, "kabid_x": 403, OUTSIDER: 404, NOBODY: 403},
        "kasubbid_data"),
    ("POST", "/rounds/{round_id}/format/indicators"): Route(
        lambda s: _round(s, "format_drafted", "format/indicators",
                         {"indicator_ids": [s.catalogue[0].id]}),
        {"secretary": 403, "staff_data": 403, OUTSIDER: 404, NOBODY: 403}, "kasubbid_data"),
    ("POST", "/rounds/{round_id}/format/finalise"): Route(
        lambda s: _round(s, "format_drafted", "format/finalise"),
        {"secretary": 403, "staff_data": 403, OUTSIDER: 404, NOBODY: 403}, "kasubbid_data"),
    ("POST", "/rounds/{round_id}/format/send"): Route(
        lambda s: _round(s, "format_final", "format/send"),
        {"secretary": 403, "staff_data": 403, "kabid_x": 403, OUTSIDER: 404, NOBODY: 403},
        "kasubbid_data"),
    ("POST", "/rounds/{round_id}/format/revise"): Route(
        lambda s: _round(s, "sent", "format/revise",
                         {"indicator_ids": [c.id for c in s.catalogue],
                          "change_note": "Disepakati rapat."}),
        {"staff_data": 403, "kabid_x": 403, OUTSIDER: 404, NOBODY: 403}, "kasubbid_data"),
    ("POST", "/rounds/{round_id}/meeting"): Route(
        _meeting, {"kabid_x": 403, "staff_data": 403, OUTSIDER: 404, NOBODY: 403},
        "kasubbid_data"),
    ("POST", "/rounds/{round_id}/finalise"): Route(
        lambda s: _round(s, "met", "finalise", {"reason": "Batas waktu LKjIP"}),
        {"kabid_x": 403, "staff_data": 403, "secretary": 403, OUTSIDER: 404, NOBODY: 403},
        "head"),
    ("POST", "/rounds/{round_id}/reopen"): Route(
        lambda s: (lambda r: (f"/rounds/{r.id}/reopen",
                              {"version": r.version, "reason": "Koreksi"}))(
            s.finalised_round()),
        {"secretary": 403, "staff_data": 403, OUTSIDER: 404, NOBODY: 403}, "head"),
    # -- steps 5–8 on Bidang X's track
    ("PUT", "/rounds/{round_id}/tracks/{track_id}/values"): Route(
        lambda s: (lambda t: (f"/rounds/{t.round_id}/tracks/{t.id}/values", [
            {"indicator_id": s.catalogue[0].id, "value": "7", "version": 1}]))(
            s.track_at("entry")),
        {"kabid_x": 403, "staff_y": 403, "kabid_y": 403, "head": 403, OUTSIDER: 404,
         NOBODY: 403}, "staff_x"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/complete"): Route(
        lambda s: _track(s, "entry", "complete"),
        {"kabid_x": 403, "staff_y": 403, OUTSIDER: 404, NOBODY: 403}, "staff_x"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/submit"): Route(
        lambda s: _track(s, "recap", "submit"),
        {"kabid_x": 403, "staff_y": 403, OUTSIDER: 404, NOBODY: 403}, "staff_x"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/approve"): Route(
        lambda s: _track(s, "validation", "approve"),
        {"staff_x": 403, "kabid_y": 403, "head": 403, OUTSIDER: 404, NOBODY: 403},
        "kabid_x"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/return"): Route(
        lambda s: _track(s, "validation", "return", {"reason": "Periksa lagi."}),
        {"staff_x": 403, "kabid_y": 403, "head": 403, OUTSIDER: 404, NOBODY: 403},
        "kabid_x"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/handover"): Route(
        lambda s: _track(s, "approved", "handover"),
        {"staff_x": 403, "secretary": 403, "kabid_y": 403, OUTSIDER: 404, NOBODY: 403},
        "kabid_x"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/acknowledge"): Route(
        lambda s: _track(s, "handed_over", "acknowledge"),
        {"staff_data": 403, "kabid_x": 403, "kabid_y": 403, OUTSIDER: 404, NOBODY: 403},
        "kasubbid_data"),
    ("POST", "/rounds/{round_id}/tracks/{track_id}/handover-return"): Route(
        lambda s: _track(s, "handed_over", "handover-return", {"reason": "Lampiran kurang."}),
        {"staff_data": 403, "kabid_x": 403, "kabid_y": 403, OUTSIDER: 404, NOBODY: 403},
        "kasubbid_data"),
}


def _operations() -> set[tuple[str, str]]:
    prefix = "/api/v1"
    return {(method.upper(), path.removeprefix(prefix))
            for path, operations in api.get_openapi_schema()["paths"].items()
            for method in operations}


def test_every_operation_has_an_entry():
    operations = _operations()
    assert operations - set(ROUTES) == set(), "add these operations to ROUTES"
    assert set(ROUTES) - operations == set(), "these operations no longer exist"
    for key, route in ROUTES.items():
        assert route.refused or (route.also and route.notes), key


@pytest.fixture
def scenario(org, sop, catalogue):
    return Scenario(org, sop, catalogue)


@pytest.mark.parametrize("key", sorted(ROUTES), ids=" ".join)
def test_operation_refuses_anonymous_and_other_personas(scenario, key):
    route = ROUTES[key]
    method = key[0]
    path, body = route.prepare(scenario)
    for persona in [*route.refused, route.allowed, OUTSIDER]:
        scenario.caller(persona)  # tokens are made (and audited) before the snapshot
    before = database_state()

    anonymous = scenario.caller(None).request(method, path, body)
    assert anonymous.status_code == 401, anonymous.content
    assert database_state() == before

    for persona, status in route.refused.items():
        response = scenario.caller(persona).request(method, path, body)
        assert response.status_code == status, (persona, response.content)
        assert database_state() == before, persona

    if route.leak is not None:
        response = scenario.caller(OUTSIDER).request(method, path, body)
        assert response.status_code == 200 and route.leak(scenario, response.json())

    if route.also is not None:
        route.also(scenario)
        before = database_state()

    response = scenario.caller(route.allowed).request(method, path, body)
    assert response.status_code == route.status, response.content
    if method != "GET" and route.allowed is not None:
        assert database_state() != before, "the allowed call changed nothing"


def test_anonymous_token_request_with_the_right_password_gets_a_token(scenario):
    """The one operation open to anonymous callers, with valid credentials."""
    response = scenario.caller(None).post("/auth/token", {
        "username": "staff_x", "password": PASSWORD, "name": "script"})
    assert response.status_code == 201
    assert ApiToken.objects.filter(user=scenario.org.staff_x.user).count() == 1
