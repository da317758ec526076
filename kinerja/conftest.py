"""Personas shared by every app's tests (after healthchecks' alice/bob/charlie).

Agency A: head, secretary, a planning subsection in the Sekretariat, Bidang X with the data
subdivision, Bidang Y; Agency B: its head (the outsider).
"""

import copy
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective, RenstraPeriod
from kinerja.collection import services
from kinerja.organisation.models import Person, Unit
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.organisation.tests.factories import (
    AgencyFactory,
    PersonFactory,
    UnitFactory,
    hold,
    tag,
)
from kinerja.sops.services import sop_load


@dataclass
class Org:
    agency: object
    root: Unit
    secretariat: Unit
    planning: Unit
    division_x: Unit
    data_subdivision: Unit
    division_y: Unit
    other_agency: object
    other_root: Unit
    head: Person
    secretary: Person
    kasubbag_planning: Person
    kabid_x: Person
    kasubbid_data: Person
    staff_data: Person
    staff_x: Person
    kabid_y: Person
    staff_y: Person
    staff_secretariat: Person
    outsider: Person


def build_org() -> Org:
    agency = AgencyFactory(code="agency-a", short_name="Badan A")
    root = UnitFactory(agency=agency, kind="agency", code="root", name="Badan A")
    secretariat = UnitFactory(agency=agency, kind="secretariat", parent=root, code="sek",
                              name="Sekretariat")
    planning = UnitFactory(agency=agency, kind="subsection", parent=secretariat, code="renc",
                           name="Subbagian Perencanaan")
    planning.functions.add(tag("planning"))
    division_x = UnitFactory(agency=agency, kind="division", parent=root, code="bidang-x",
                             name="Bidang X")
    data_subdivision = UnitFactory(agency=agency, kind="subdivision", parent=division_x,
                                   code="data", name="Subbidang Data")
    data_subdivision.functions.add(tag("data"))
    division_y = UnitFactory(agency=agency, kind="division", parent=root, code="bidang-y",
                             name="Bidang Y")
    other_agency = AgencyFactory(code="agency-b", short_name="Badan B")
    other_root = UnitFactory(agency=other_agency, kind="agency", code="root", name="Badan B")

    def person(username, unit, kind):
        found = PersonFactory(agency=unit.agency, user__username=username, name=username)
        hold(found, unit, kind)
        return found

    return Org(
        agency=agency, root=root, secretariat=secretariat, planning=planning,
        division_x=division_x, data_subdivision=data_subdivision, division_y=division_y,
        other_agency=other_agency, other_root=other_root,
        head=person("head", root, "head"),
        secretary=person("secretary", secretariat, "secretary"),
        kasubbag_planning=person("kasubbag", planning, "subsection_head"),
        kabid_x=person("kabid_x", division_x, "division_head"),
        kasubbid_data=person("kasubbid_data", data_subdivision, "subdivision_head"),
        staff_data=person("staff_data", data_subdivision, "staff"),
        staff_x=person("staff_x", division_x, "staff"),
        kabid_y=person("kabid_y", division_y, "division_head"),
        staff_y=person("staff_y", division_y, "staff"),
        staff_secretariat=person("staff_sek", planning, "staff"),
        outsider=person("outsider", other_root, "head"),
    )


@pytest.fixture
def org(db, built_once) -> Org:
    return built_once["org"] if built_once else build_org()


@pytest.fixture
def agency_admin(org):
    """The staff member of agency A who administers it (the "Administrator OPD" group)."""
    user = org.staff_secretariat.user
    user.is_staff = True
    user.save()
    user.groups.add(ensure_agency_admin_group())
    return user


@pytest.fixture
def seed_sop_text() -> str:
    from kinerja.demo.services import SEED_SOP

    return SEED_SOP.read_text(encoding="utf-8")


def fresh(round_):
    round_.refresh_from_db()
    return round_


@pytest.fixture
def sop(org, seed_sop_text, catalogue, built_once):
    if built_once:
        return built_once["sop"]
    return sop_load(agency=org.agency, text=seed_sop_text).version.sop


@pytest.fixture
def catalogue(org, built_once):
    """Four indicators: two of Bidang X, one of Bidang Y, one of the Sekretariat."""
    return built_once["catalogue"] if built_once else make_catalogue(org)


def make_catalogue(org):
    period = RenstraPeriod.objects.create(agency=org.agency, name="Renstra 2021–2026",
                                          start_year=2021, end_year=2026)
    goal = Goal.objects.create(period=period, code="T1", text="Tujuan 1")
    objective = Objective.objects.create(goal=goal, code="S1", text="Sasaran 1")
    indicators = []
    for order, (code, unit) in enumerate([("X1", org.division_x), ("X2", org.division_x),
                                          ("Y1", org.division_y), ("S1", org.secretariat)]):
        indicator = Indicator.objects.create(
            period=period, objective=objective, code=code, name=f"Indikator {code}",
            unit_of_measure="dokumen", responsible_unit=unit, order=order)
        IndicatorYearTarget.objects.create(indicator=indicator, year=2026,
                                           renstra_target=Decimal("10"))
        indicators.append(indicator)
    return indicators


@pytest.fixture
def opened_round(org, sop, built_once):
    """A round whose disposition the head has signed (step 1 done, step 2 waiting)."""
    return built_once.round("opened_round") if built_once else open_round(org, sop)


def open_round(org, sop):
    today = timezone.localdate()
    disposition = services.disposition_create(
        user=org.head.user, sop=sop, year=2026, period="Q3", date=today, speed="segera",
        security="biasa", subject="Pengumpulan data kinerja triwulan III",
        instruction="Kumpulkan data kinerja triwulan III.", deadline=today + timedelta(days=14))
    return services.disposition_sign(user=org.head.user, disposition=disposition,
                                     expected_version=disposition.version)


@pytest.fixture
def sent_round(org, opened_round, catalogue, built_once):
    """Steps 1–3 done: the tracks have started and the meeting waits."""
    return built_once.round("sent_round") if built_once else send_round(org, opened_round)


def send_round(org, round_):
    services.disposition_forward(user=org.secretary.user, round_=round_,
                                 instruction="Siapkan format.",
                                 expected_version=fresh(round_).version)
    services.disposition_initial(user=org.kasubbag_planning.user, round_=round_,
                                 expected_version=fresh(round_).version)
    services.format_create(user=org.kasubbid_data.user, round_=round_,
                           due_date=timezone.localdate() + timedelta(days=10),
                           expected_version=fresh(round_).version)
    services.format_finalise(user=org.kasubbid_data.user, round_=round_,
                             expected_version=fresh(round_).version)
    services.format_send(user=org.kasubbid_data.user, round_=round_,
                         expected_version=fresh(round_).version)
    return fresh(round_)


@pytest.fixture
def entry_round(org, sent_round, built_once):
    """Steps 1–4 done: every unit's staff may enter data (step 5)."""
    return built_once.round("entry_round") if built_once else meet(org, sent_round)


def meet(org, sent_round):
    services.meeting_record(
        user=org.kasubbid_data.user, round_=sent_round, held_at=timezone.now(),
        place="Ruang rapat", invitees=[org.kabid_x, org.kabid_y], attendees=[org.kabid_x],
        minutes="Format dibahas.", decisions="", expected_version=sent_round.version)
    return fresh(sent_round)


def submitted(round_, unit, staff, values):
    """Carry one unit's track through steps 5–6 with the given {indicator: text}."""
    track = round_.tracks.get(unit=unit)
    services.values_save(user=staff.user, track=track, entries=[
        services.ValueEntry(indicator_id=i.id, value_text=text, explanation="Penjelasan")
        for i, text in values.items()])
    services.data_entry_complete(user=staff.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=staff.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    return track


def validated(org, round_, unit, staff, head, values):
    """Carry one unit's track through steps 5–7 with the given {indicator: text}."""
    track = submitted(round_, unit, staff, values)
    services.unit_recap_approve(user=head.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    return track


@pytest.fixture
def validated_round(org, entry_round, catalogue, built_once):
    if built_once:
        return built_once.round("validated_round")
    return validate_all(org, entry_round, catalogue)


def validate_all(org, entry_round, catalogue):
    x1, x2, y1, s1 = catalogue
    validated(org, entry_round, org.division_x, org.staff_x, org.kabid_x, {x1: "8", x2: "12"})
    validated(org, entry_round, org.division_y, org.staff_y, org.kabid_y, {y1: "5"})
    validated(org, entry_round, org.secretariat, org.staff_secretariat, org.secretary,
              {s1: "10"})
    return fresh(entry_round)


def hand_over_and_acknowledge(org, track):
    unit_head = {org.division_x.id: org.kabid_x, org.division_y.id: org.kabid_y,
                 org.secretariat.id: org.secretary}[track.unit_id]
    services.handover_submit(user=unit_head.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    services.handover_acknowledge(user=org.kasubbid_data.user, track=track,
                                  expected_version=track.version)
    track.refresh_from_db()
    return track


@pytest.fixture
def finalised_round(org, validated_round, built_once):
    """Every step done: handed over, acknowledged and finalised by the data subsection."""
    return built_once.round("finalised_round") if built_once else finalise(org, validated_round)


def finalise(org, validated_round):
    for track in validated_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(validated_round)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    return fresh(round_)


# -- data built once for a test module -----------------------------------------------------
# `pytestmark = pytest.mark.built_once("finalised_round")` in a test module: org, sop,
# catalogue and the round up to that stage (any of ROUND_STAGES; none for the first three
# only) are made once for the module, in a transaction left open until its end and then
# rolled back. Each test runs in a savepoint inside it (pytest-django's `db`), rolled back
# after it, and gets a deep copy of the Python objects (as Django's setUpTestData does), so
# what one test changes, in the database or in memory, no other sees. In such a module every
# round fixture is that one round: use it where the tests all start from the same stage, and
# not with transactional tests (they would empty the database under the open transaction).
# With -n, `--dist loadfile` (pyproject.toml) keeps a module's tests on one worker: built once.

ROUND_STAGES = ("opened_round", "sent_round", "entry_round", "validated_round",
                "finalised_round")
BUILDERS = (lambda org, sop, catalogue: open_round(org, sop),
            lambda org, round_, catalogue: send_round(org, round_),
            lambda org, round_, catalogue: meet(org, round_),
            validate_all,
            lambda org, round_, catalogue: finalise(org, round_))


class BuiltOnce(dict):
    stage: str | None = None

    def round(self, stage: str):
        if self.stage is None or ROUND_STAGES.index(stage) > ROUND_STAGES.index(self.stage):
            pytest.fail(f"this module's data is built once (built_once mark) up to "
                        f"{self.stage or 'the catalogue'}: it has no {stage}", pytrace=False)
        return self["round"]


def build_once(stage: str | None) -> BuiltOnce:
    data = BuiltOnce(org=build_org())
    data.stage = stage
    data["catalogue"] = make_catalogue(data["org"])  # before the SOP, as the fixtures make them
    from kinerja.demo.services import SEED_SOP

    data["sop"] = sop_load(agency=data["org"].agency,
                           text=SEED_SOP.read_text(encoding="utf-8")).version.sop
    if stage is not None:
        round_ = data["sop"]
        for builder in BUILDERS[:ROUND_STAGES.index(stage) + 1]:
            round_ = builder(data["org"], round_, data["catalogue"])
        data["round"] = round_
    return data


@pytest.fixture(scope="module", autouse=True)
def built_once_for_module(request):
    """The module's data when it is marked `built_once`, else None (see above)."""
    mark = request.node.get_closest_marker("built_once")
    if mark is None:
        yield None
        return
    from django.db import transaction

    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    stage = mark.args[0] if mark.args else None
    assert stage is None or stage in ROUND_STAGES, stage
    with blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = build_once(stage)
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def built_once(built_once_for_module, request):
    """A deep copy of the module's data for this test (None without the mark)."""
    if built_once_for_module is None:
        return None
    if "transactional_db" in request.fixturenames:
        pytest.fail("a transactional test in a module marked built_once", pytrace=False)
    request.getfixturevalue("db")  # this test's savepoint inside the module's transaction
    copied = copy.deepcopy(built_once_for_module)
    copied.stage = built_once_for_module.stage
    return copied


# -- browser tests: Debian's Chromium through Playwright --------------------------------------
# Playwright's own browser downloads are never used (no `playwright install`): the tests drive
# /usr/bin/chromium (`make system-packages` installs it), or the one named by KINERJA_CHROMIUM.

# Playwright's sync API keeps an asyncio event loop running in the main thread; without this
# Django refuses ORM calls from the test code ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("KINERJA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Overrides pytest-playwright's: launch the system Chromium, headless."""
    path = Path(CHROMIUM)
    if not (path.is_file() and os.access(path, os.X_OK)):
        # A failure, not a skip: a missing browser must not pass as a green run.
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need it. Install the Debian "
            "package (`make system-packages` or `apt-get install chromium`), or set "
            "KINERJA_CHROMIUM to a Chromium executable. Do not run `playwright install`.",
            pytrace=False,
        )
    return {"executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS)}


@pytest.fixture
def live_site(live_server):
    """pytest-django's live server, its static files served as in production.

    The live server puts Django's StaticFilesHandler in front of the site; it looks files up
    with the finders, which know no hashed names, so every asset of a page rendered with
    CompressedManifestStaticFilesStorage ("bootstrap.min.4bc73c7ba870.css") is a 404 and the
    pages run without their CSS and JavaScript. For these tests the handler is stepped over
    and WhiteNoise serves STATIC_ROOT (collectstatic's output), as it does in production.
    """
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.is_file():
        pytest.fail(f"{manifest} is missing: run `python manage.py collectstatic --no-input` "
                    "first (`make test` does).", pytrace=False)
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if isinstance(app, StaticFilesHandler):
        httpd.set_app(app.application)
    yield live_server
    httpd.set_app(app)




@contextmanager
def demo_for_module(django_db_blocker, **settings):
    """The demo, built once for a test module (building it takes the better part of a
    minute), with `settings` overridden while it is built; each test then runs in its own
    transaction over it, rolled back. Emptied afterwards, as a transactional test leaves the
    database, with the function tags of the organisation's data migration made again for the
    tests that follow on this worker. Yields the moment the build began."""
    from importlib import import_module
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.test import override_settings

    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])  # never the real database: emptied below
        assert name.startswith("test") or (
            connection.vendor == "sqlite" and connection.is_in_memory_db()), name
        tags = import_module("kinerja.organisation.migrations.0002_function_tags").create_tags
        try:
            # A transactional test earlier on this worker may have emptied the tags.
            tags(apps, None)
            with override_settings(**{"DEMO_MODE": True, **settings}):
                built = timezone.now()
                call_command("demo_setup", stdout=StringIO())
            # The rest of `settings` (a media folder, say) holds for the module's tests too.
            with override_settings(**settings):
                yield built
        finally:
            call_command("flush", interactive=False, verbosity=0)
            tags(apps, None)


@contextmanager
def live_server_for_module():
    """A live server of the module's own over the test database, its static files served as
    `live_site` serves them (WhiteNoise over STATIC_ROOT). pytest-django's `live_server`
    makes every test that uses it transactional, and a transactional test empties the
    database when it ends: data built once for a module would be gone after its first test.
    On SQLite the server shares the test's in-memory connection, so it sees what the test
    wrote in its transaction (rolled back after it); on PostgreSQL it sees what is committed."""
    import threading
    import time

    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from pytest_django.live_server_helper import LiveServer

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.is_file():
        pytest.fail(f"{manifest} is missing: run `python manage.py collectstatic --no-input` "
                    "first (`make test` does).", pytrace=False)
    server = LiveServer("localhost")
    httpd = server.thread.httpd
    app = httpd.get_app()
    if isinstance(app, StaticFilesHandler):
        httpd.set_app(app.application)
    try:
        yield server
    finally:
        # The browser's kept-alive connections end with their contexts: let their request
        # threads finish before the server stops sharing the database connection with them.
        deadline = time.monotonic() + 5
        for thread in threading.enumerate():
            if thread.name.endswith("(process_request_thread)"):
                thread.join(max(0, deadline - time.monotonic()))
        server.stop()


def run_pending_tasks(*, failed_ok: bool = False) -> list:
    """Runs the jobs queued so far, as the task worker beside the web server would: a
    completed step queues its documents (kinerja/documents/tasks.py), which nothing files
    until then. Inside the test's transaction (`tasks.run_ready_tasks`). Returns the jobs'
    `DBTaskResult` rows; a job that raised fails the test, unless `failed_ok`."""
    from kinerja.documents.tasks import run_ready_tasks

    ran = run_ready_tasks(worker_id="tests")
    failed = [result for result in ran if result.status == "FAILED"]
    if failed and not failed_ok:
        pytest.fail("a queued job failed:\n" + "\n".join(result.traceback for result in failed))
    return ran


def catalogue_of_year(agency, unit, year: int = 2026) -> Indicator:
    """The least catalogue that lets an agency collect a year: one indicator of `unit` with a
    target for it (a disposition is refused for a year the catalogue does not cover)."""
    found = Indicator.objects.filter(period__agency=agency, targets__year=year).first()
    if found is not None:
        return found
    period = RenstraPeriod.objects.create(agency=agency, name=f"Renstra {agency.code} {year}",
                                          start_year=year, end_year=year)
    goal = Goal.objects.create(period=period, code="T1", text="Tujuan")
    objective = Objective.objects.create(goal=goal, code="S1", text="Sasaran")
    indicator = Indicator.objects.create(period=period, objective=objective, code="K1",
                                         name="Indikator", unit_of_measure="dokumen",
                                         responsible_unit=unit)
    IndicatorYearTarget.objects.create(indicator=indicator, year=year,
                                       renstra_target=Decimal(1))
    return indicator
