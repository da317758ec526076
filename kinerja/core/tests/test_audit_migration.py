"""The move to one audit record (docs/decisions.md, "One audit record per change"): the
migrations copy every version django-simple-history kept into an AuditEvent, and give the
events written before them their round, track and stage columns from their JSON data.

Runs on SQLite and PostgreSQL alike (`DATABASE_URL`): the database is taken back to the
migrations before the change, filled as it was then, and migrated forward to the latest
state again, which is where it is left for the tests after this one."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("core", "0001_initial"),
    ("collection", "0003_plausibility"),
    ("catalogue", "0002_indicator_plausible_range"),
    ("organisation", "0002_function_tags"),
    ("worktime", "0001_initial"),
    ("documents", "0003_hardcopy_scan_content_type"),
]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def old_apps():
    """The apps as they were before the change; the latest state again afterwards, whatever
    the test did."""
    executor = migrate(BEFORE)
    try:
        yield executor.loader.project_state(BEFORE).apps
    finally:
        migrate(latest())


def _old_round(old_apps):
    """A round with a unit's track, built on the models as they were."""
    get = old_apps.get_model
    agency = get("organisation", "Agency").objects.create(code="a", name="Badan A",
                                                          short_name="A")
    unit = get("organisation", "Unit").objects.create(agency=agency, kind="division",
                                                      code="x", name="Bidang X")
    sop = get("sops", "Sop").objects.create(agency=agency, number="1/2026")
    version = get("sops", "SopVersion").objects.create(
        sop=sop, version=1, content_hash="h", date_made=datetime.date(2026, 1, 2),
        loaded_at=timezone.now())
    round_ = get("collection", "Round").objects.create(
        agency=agency, sop=sop, sop_version=version, year=2026, period="Q1",
        opened_at=timezone.now())
    track = get("collection", "Track").objects.create(round=round_, unit=unit)
    return agency, unit, round_, track


@pytest.mark.sqlite  # a migration: on both databases
@pytest.mark.django_db(transaction=True)
def test_versions_become_events_and_old_events_get_their_columns(old_apps):
    get = old_apps.get_model
    agency, unit, round_, track = _old_round(old_apps)
    when = datetime.datetime(2025, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
    user = get("accounts", "User").objects.create(username="admin")
    # The versions simple-history kept: the agency changed (with a reason), the unit created
    # and deleted.
    get("organisation", "HistoricalAgency").objects.create(
        id=agency.id, code="a", name="Badan A (lama)", short_name="A", history_type="~",
        history_date=when, history_user_id=user.id, history_change_reason="SK 5/2025")
    for kind, minutes in [("+", 1), ("-", 2)]:
        get("organisation", "HistoricalUnit").objects.create(
            id=unit.id, agency_id=agency.id, kind="division", code="x", name="Bidang X",
            order=3, history_type=kind, history_date=when + datetime.timedelta(minutes=minutes))
    # A value's version: its decimal is kept exactly, as text.
    get("collection", "HistoricalIndicatorValue").objects.create(
        id=7, track_id=track.id, indicator_id=1, value=Decimal("54.3200"), version=2,
        history_type="~", history_date=when)
    # An event written before the change: round, track and stage only in its JSON data.
    old_event = get("core", "AuditEvent").objects.create(
        agency=agency, actor=user, action="value.saved", object_type="indicatorvalue",
        object_id="9", summary="X1: 3 → 4",
        data={"round": round_.id, "track": track.id, "stage": 1, "step": 5, "old": "3"})
    lost = get("core", "AuditEvent").objects.create(
        agency=agency, action="round.opened", object_type="round", object_id="0",
        summary="gone", data={"round": 10**9, "track": "x", "stage": "1"})

    migrate(latest())

    from kinerja.core.models import AuditEvent

    old_event = AuditEvent.objects.get(id=old_event.id)
    assert (old_event.round_id, old_event.track_id, old_event.stage, old_event.step) == (
        round_.id, track.id, 1, 5)
    assert old_event.data["old"] == "3"  # the action's own data stays
    lost = AuditEvent.objects.get(id=lost.id)
    assert (lost.round_id, lost.track_id, lost.stage) == (None, None, None)

    [changed] = AuditEvent.objects.filter(action="version.changed",
                                          object_type="organisation.agency")
    assert (changed.object_id, changed.agency_id, changed.actor_id, changed.at) == (
        str(agency.id), agency.id, user.id, when)
    assert changed.data["fields"]["name"] == "Badan A (lama)"
    assert changed.data["reason"] == "SK 5/2025"
    units = AuditEvent.objects.filter(object_type="organisation.unit").order_by("at")
    assert [event.action for event in units] == ["version.created", "version.deleted"]
    assert all(event.agency_id == agency.id and event.object_id == str(unit.id)
               and event.data["fields"]["order"] == 3 for event in units)
    [value] = AuditEvent.objects.filter(object_type="collection.indicatorvalue")
    assert (value.action, value.object_id) == ("version.changed", "7")
    assert Decimal(value.data["fields"]["value"]) == Decimal("54.32")
    assert value.data["fields"]["track_id"] == track.id
    assert not [name for name in connection.introspection.table_names()
                if "historical" in name.lower()]

