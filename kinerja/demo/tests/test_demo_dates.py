"""The demo's past is in the past: each finished round is dated in its own time.

The rule for a finished round of a data period (the year 2025, the third quarter of 2026):
every record of it (step executions, the disposition and its signatures, the format, the
meeting, the values, the filed documents and the dates printed in them, the audit events, the
finalised recap) lies

- at working time of the agency's calendar (a working day, 07:30–16:30 WITA);
- after its data period (for the demo built long enough after it: more than a month), and at
  the latest in the quarter right after it (the year's round: January–March of the next year);
- before the day the demo was built: that day is on none of them.

Nothing of the current round lies in the future.

Both demo agencies are held to it: Bappeda & Litbang on the seed SOP, Diskominfo on its own
shorter one (no meeting, no hand-over).
"""

from __future__ import annotations

import io
import itertools
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from kinerja.conftest import demo_for_module
from kinerja.demo import clock, timeline
from kinerja.worktime.calendar import Calendar

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

WITA = Calendar.default().zone
# Each agency, with the fewest moments a finished round of it records and the fewest audit
# events of its demo (Diskominfo: six steps, two units, six indicators).
AGENCIES = {"bappeda-banggai": (100, 300), "diskominfo-banggai": (50, 60)}
by_agency = pytest.mark.parametrize("agency", list(AGENCIES))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, built once for this module with its documents filed as `make demo` files
    them; yields the moment it was built."""
    with demo_for_module(django_db_blocker, KINERJA_ISSUE_DOCUMENTS=True,
                         MEDIA_ROOT=tmp_path_factory.mktemp("media")) as built:
        yield built


def rounds(agency: str = "bappeda-banggai"):
    from kinerja.collection.models import Round

    return list(Round.objects.filter(agency__code=agency).order_by("id"))


def moments_of(round_) -> list[tuple[str, datetime]]:
    """Every moment a record of the round carries (a due time or deadline is a limit, not
    something that happened, and is checked on its own)."""
    from django.contrib.contenttypes.models import ContentType

    from kinerja.collection.models import (
        DataRequestFormat,
        Disposition,
        FinalisedRecap,
        IndicatorValue,
        Meeting,
        Signature,
    )
    from kinerja.core.models import AuditEvent
    from kinerja.documents.models import Document

    disposition = Disposition.objects.get(round=round_)
    found = [("round opened", round_.opened_at), ("round finalised", round_.finalised_at),
             ("disposition created", disposition.created_at)]
    for execution in round_.executions.select_related("step"):
        for name in ("assigned_at", "started_at", "completed_at"):
            found.append((f"step {execution.step.number} {name}", getattr(execution, name)))
    found += [("signature", at) for at in Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(Disposition),
        object_id=disposition.pk).values_list("signed_at", flat=True)]
    for meeting in Meeting.objects.filter(round=round_):  # none without a meeting step
        found += [("meeting held", meeting.held_at), ("minutes recorded", meeting.recorded_at)]
    for data_format in DataRequestFormat.objects.filter(round=round_):
        found += [("format made", data_format.created_at),
                  ("format finalised", data_format.finalised_at)]
    found += [("value", at) for at in IndicatorValue.objects.filter(
        track__round=round_).values_list("updated_at", flat=True)]
    found += [("document", at) for at in Document.objects.filter(
        round=round_).values_list("issued_at", flat=True)]
    found += [(f"event {action}", at) for action, at in AuditEvent.objects.filter(
        round=round_).values_list("action", "at")]
    # Drafted before its round existed.
    found += [(f"event {action}", at) for action, at in AuditEvent.objects.filter(
        object_type="collection.disposition", object_id=str(disposition.pk)).values_list(
            "action", "at")]
    found += [("recap", at) for at in FinalisedRecap.objects.filter(
        round=round_).values_list("finalised_at", flat=True)]
    return [(name, moment) for name, moment in found if moment is not None]


def at_working_time(moment: datetime) -> bool:
    local = moment.astimezone(WITA)
    # Documents are filed a minute after their step, which may end the day at 16:30.
    return local.weekday() < 5 and time(7, 30) <= local.time() <= time(16, 31)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=WITA)


@by_agency
def test_each_finished_round_is_dated_in_its_own_time(demo, agency):
    from kinerja.collection.models import RoundStatus

    build_day = demo.astimezone(WITA).date()
    finished = [round_ for round_ in rounds(agency) if round_.status == RoundStatus.FINALISED]
    assert len(finished) == 3
    assert "Y" in {round_.period for round_ in finished}
    for round_ in finished:
        moments = moments_of(round_)
        assert len(moments) > AGENCIES[agency][0], round_
        end = timeline.period_end(round_.year, round_.period)
        latest = day_start(timeline.following_quarter_end(round_.year, round_.period)
                           + timedelta(days=1))
        earliest = day_start(timeline.period_start(round_.year, round_.period))
        if build_day - end > timedelta(days=31):
            earliest = day_start(end + timedelta(days=1))
        for name, moment in moments:
            where = f"{round_} {name} {moment.astimezone(WITA)}"
            assert earliest <= moment < min(latest, day_start(build_day)), where
            assert moment.astimezone(WITA).date() != build_day, where
            assert at_working_time(moment), where


@by_agency
def test_last_years_round_is_not_dated_on_the_build_day(demo, agency):
    """The year's round of last year: collected after the year ended, in January–March."""
    build_day = demo.astimezone(WITA).date()
    (last_year,) = [round_ for round_ in rounds(agency) if round_.period == "Y"]
    moments = moments_of(last_year)
    assert {moment.astimezone(WITA).date() for _name, moment in moments}.isdisjoint(
        {build_day})
    # Its format went out before any quarter of its year was final (acknowledged, or validated
    # where the SOP has no hand-over): no pre-fill, the demo's own figures.
    from kinerja.collection.models import IndicatorValue

    assert not IndicatorValue.objects.filter(track__round=last_year,
                                             prefilled_value__isnull=False).exists()
    if build_day >= date(last_year.year + 1, 2, 15):
        assert all(moment.astimezone(WITA).date().year == last_year.year + 1
                   and moment.astimezone(WITA).month <= 3 for _name, moment in moments)


@by_agency
def test_the_current_round_has_nothing_in_the_future(demo, agency):
    from kinerja.collection.models import RoundStatus

    (current,) = [round_ for round_ in rounds(agency) if round_.status == RoundStatus.OPEN]
    now = timezone.now()
    for name, moment in moments_of_open(current):
        assert moment <= now, f"{name} {moment}"
        assert at_working_time(moment), f"{name} {moment}"


@by_agency
def test_no_event_of_the_demo_is_dated_on_the_build_day_but_the_current_rounds(demo, agency):
    """The people, SOP and catalogue were set up before the first round; only the current
    round reaches the build day, and nothing is in the future."""
    from kinerja.collection.models import RoundStatus
    from kinerja.core.models import AuditEvent

    (current,) = [round_ for round_ in rounds(agency) if round_.status == RoundStatus.OPEN]
    build_day = demo.astimezone(WITA).date()
    events = AuditEvent.objects.filter(agency__code=agency)
    assert events.count() > AGENCIES[agency][1]
    assert not events.filter(at__gt=timezone.now()).exists()
    first_round = min(round_.opened_at for round_ in rounds(agency))
    setup = events.filter(round__isnull=True, at__lt=first_round)
    assert setup.filter(action="sop.loaded").exists()
    for event in events.exclude(round=current).exclude(
            object_type="collection.disposition", object_id=str(current.disposition.pk)):
        assert timezone.localtime(event.at).date() != build_day, (event.action, event.at)


def moments_of_open(round_) -> list[tuple[str, datetime]]:
    from kinerja.core.models import AuditEvent

    found = [("round opened", round_.opened_at)]
    for execution in round_.executions.select_related("step"):
        for name in ("assigned_at", "started_at", "completed_at"):
            found.append((f"step {execution.step.number} {name}", getattr(execution, name)))
    found += [(f"event {action}", at) for action, at in AuditEvent.objects.filter(
        round=round_).values_list("action", "at")]
    return [(name, moment) for name, moment in found if moment is not None]


@by_agency
def test_steps_are_timed_by_the_calendar_between_their_moments(demo, agency):
    """A step's due time and working minutes are the calendar's between its own moments."""
    from kinerja.collection.models import StepExecution

    calendar = Calendar.load(rounds(agency)[0].agency)
    executions = StepExecution.objects.filter(round__in=rounds(agency)).select_related("step")
    for execution in executions:
        assert execution.due_at == calendar.add_working_minutes(
            execution.assigned_at, execution.step.time_standard_minutes), execution
        if execution.completed_at:
            assert execution.completed_at >= execution.assigned_at, execution
            assert execution.working_minutes == calendar.working_minutes_between(
                execution.assigned_at, execution.completed_at), execution
            # The demo's officials keep to the SOP's time standards.
            assert execution.working_minutes <= execution.step.time_standard_minutes, (
                execution.step.number, execution.working_minutes)
    # The steps took time: not every step of a round done in the same minute.
    assert len({execution.completed_at for execution in executions}) > 20


@by_agency
def test_agenda_numbers_come_from_the_year_of_the_disposition(demo, agency):
    from kinerja.collection.models import AgendaCounter, Disposition

    dispositions = list(Disposition.objects.filter(agency__code=agency)
                        .order_by("date", "created_at"))
    assert len(dispositions) == 4
    for disposition in dispositions:
        assert disposition.agenda_year == disposition.date.year, disposition
        assert disposition.date == timezone.localtime(disposition.created_at).date()
        assert disposition.deadline > disposition.date
    for year in {disposition.agenda_year for disposition in dispositions}:
        numbers = [d.agenda_number for d in dispositions if d.agenda_year == year]
        assert numbers == list(range(1, len(numbers) + 1)), year
        counter = AgendaCounter.objects.get(agency=dispositions[0].agency, year=year)
        assert counter.last_number == len(numbers)


@by_agency
def test_filed_documents_print_their_steps_date(demo, agency):
    """Each document of last year's round is filed a minute after its step, its file matches
    its checksum, and it prints its step's day: no day after it but the round's deadlines,
    never the build day."""
    import re

    from pypdf import PdfReader

    from kinerja.collection.models import DataRequestFormat, Disposition
    from kinerja.documents.models import Document
    from kinerja.documents.services import sha256_of

    (last_year,) = [round_ for round_ in rounds(agency) if round_.period == "Y"]
    documents = list(Document.objects.filter(round=last_year).select_related("execution"))
    assert len(documents) >= 10
    disposition = Disposition.objects.get(round=last_year)
    deadlines = {disposition.deadline, *DataRequestFormat.objects.filter(
        round=last_year).values_list("due_date", flat=True)}
    build_day = demo.astimezone(WITA).date()
    with override("id"):
        months = {date_format(date(2000, month, 1), "F"): month for month in range(1, 13)}
        names = "|".join(months)
        pattern = re.compile(rf"(\d{{1,2}}) ({names}) (\d{{4}})")
        for document in documents:
            execution = document.execution
            assert document.issued_at - execution.completed_at == timedelta(minutes=1)
            with document.file.open("rb") as handle:
                content = handle.read()
            assert sha256_of(content) == document.sha256, document
            text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
            printed = {date(int(year), months[month], int(day))
                       for day, month, year in pattern.findall(" ".join(text.split()))}
            step_day = timezone.localtime(execution.completed_at).date()
            assert step_day in printed, (document.title, printed)
            assert {day for day in printed if day > step_day} <= deadlines, document.title
            if build_day not in deadlines:
                assert build_day not in printed, document.title


def test_the_demo_leaves_no_documents_job_for_the_worker(demo):
    """Each step's documents job ran at the step's moment, in the build (demo/rounds.py):
    the worker `make demo` starts finds the queue empty, and every completed step of every
    round has its documents."""
    from django_tasks_db.models import DBTaskResult

    from kinerja.collection.models import Round
    from kinerja.documents import selectors
    from kinerja.documents.models import DocumentFailure
    from kinerja.documents.tasks import issue_documents_task

    jobs = DBTaskResult.objects.filter(task_path=issue_documents_task.module_path)
    assert jobs.exists() and not jobs.exclude(status="SUCCESSFUL").exists()
    assert not DocumentFailure.objects.exists()
    for round_ in Round.objects.all():
        assert selectors.documents_being_issued(round_) == [], round_


# -- the clock and the timeline, without the database -------------------------------------------

@pytest.mark.django_db(False)
def test_the_clock_moves_only_inside_its_block_and_only_into_the_past():
    real = timezone.now
    moment = datetime(2025, 1, 13, 9, 0, tzinfo=WITA)
    with clock.moved_to(moment):
        assert timezone.now() == moment
        assert timezone.localdate() == date(2025, 1, 13)
        later = moment + timedelta(hours=1)
        with clock.moved_to(later):
            assert timezone.now() == later
        assert timezone.now() == moment
    assert timezone.now is real
    with pytest.raises(ValueError), clock.moved_to(timezone.now() + timedelta(days=1)):
        pass
    assert timezone.now is real


@pytest.mark.django_db(False)
def test_the_clock_stays_real_in_another_thread():
    import threading

    seen = []
    moment = datetime(2025, 1, 13, 9, 0, tzinfo=WITA)
    with clock.moved_to(moment):
        thread = threading.Thread(target=lambda: seen.append(timezone.now()))
        thread.start()
        thread.join()
    assert seen[0] > moment + timedelta(days=300)


# The demo agencies' procedures as the script reads them, with the units that report.
SEED_PROCEDURE = ("disposition", "forwarding", "sending", "meeting", "data_entry", "unit_recap",
                  "validation", "handover", "agency_recap")
SHORT_PROCEDURE = ("disposition", "forwarding", "sending", "data_entry", "validation",
                   "agency_recap")
PROCEDURES = {"seed": (SEED_PROCEDURE, True, 5), "short": (SHORT_PROCEDURE, False, 2)}


@pytest.mark.django_db(False)
@pytest.mark.parametrize("procedure", list(PROCEDURES))
@pytest.mark.parametrize("built", ["2026-11-30 11:00", "2026-10-01 08:00", "2027-01-02 10:00",
                                   "2026-04-06 07:00", "2026-07-15 20:00"])
def test_windows_lie_in_the_past_at_working_time(built, procedure):
    from kinerja.demo.rounds import Procedure, current_script, finished_script, look_back

    kinds, initials, units = PROCEDURES[procedure]
    steps = Procedure(kinds, initials)
    calendar = Calendar.default()
    build = datetime.fromisoformat(built).replace(tzinfo=WITA)
    build_day = day_start(build.date())
    year, quarter = build.year, (build.month - 1) // 3 + 1
    periods = [(year - 1, "Y"), *((y, f"Q{q}") for y, q in look_back(year, quarter))]
    for round_year, period in periods:
        window = timeline.finished_window(calendar, round_year, period, build)
        moments = timeline.schedule(calendar, window,
                                    [a.gap for a in finished_script(steps, units)])
        assert moments == sorted(moments)
        latest = day_start(timeline.following_quarter_end(round_year, period)
                           + timedelta(days=1))
        for moment in moments:
            assert day_start(timeline.period_start(round_year, period)) <= moment
            assert moment < min(build_day, latest), (period, moment)
            assert at_working_time(moment), moment
        if build_day.date() - timeline.period_end(round_year, period) > timedelta(days=31):
            assert moments[0].date() > timeline.period_end(round_year, period)
    gaps = [act.gap for act in current_script(steps, units)]
    window = timeline.current_window(calendar, build, sum(gaps))
    moments = timeline.schedule(calendar, window, gaps)
    assert all(moment <= build - timeline.CURRENT_MARGIN and at_working_time(moment)
               for moment in moments)
    assert moments[-1] == window.limit


@pytest.mark.django_db(False)
def test_the_script_follows_the_sops_steps():
    """The seed's round as the demo always played it; the short SOP's without the meeting,
    the planning head's initials, the unit recap and the hand-over."""
    from kinerja.demo.rounds import Procedure, current_script, finished_script

    seed, short = Procedure(SEED_PROCEDURE, True), Procedure(SHORT_PROCEDURE, False)
    opening = ["draft", "sign", "forward", "initial", "format", "format_finalise",
               "format_send", "meeting", "meeting_record"]
    assert [(a.name, a.track) for a in finished_script(seed, 2)] == [
        *((name, None) for name in opening),
        ("values", 0), ("complete", 0), ("submit", 0),
        ("values", 1), ("complete", 1), ("submit", 1),
        ("approve", 0), ("handover", 0), ("acknowledge", 0),
        ("approve", 1), ("handover", 1), ("acknowledge", 1), ("finalise", None)]
    assert [a.gap for a in finished_script(seed, 1)] == [
        0, 12, 5, 6, 7, 10, 10, 30, 20, 50, 20, 15, 40, 8, 6, 240]
    assert [(a.name, a.track) for a in current_script(seed, 5)][9:] == [
        ("values", 0), ("complete", 0), ("submit", 0), ("values", 1), ("complete", 1),
        ("submit", 1), ("approve", 0), ("values", 2)]
    short_opening = ["draft", "sign", "forward", "format", "format_finalise", "format_send"]
    assert [(a.name, a.track) for a in finished_script(short, 2)] == [
        *((name, None) for name in short_opening),
        ("values", 0), ("complete", 0), ("values", 1), ("complete", 1),
        ("approve", 0), ("approve", 1), ("finalise", None)]
    # Two units: one waits for its validation, the other has saved its values.
    assert [(a.name, a.track) for a in current_script(short, 2)][6:] == [
        ("values", 0), ("complete", 0), ("values", 1)]
    with pytest.raises(ValueError, match="rapat"):
        finished_script(Procedure(("disposition", "rapat"), False), 1)


@pytest.mark.django_db(False)
def test_a_regular_schedule_keeps_the_planned_working_minutes():
    calendar = Calendar.default()
    window = timeline.finished_window(calendar, 2025, "Y",
                                      datetime(2026, 11, 30, 11, tzinfo=WITA))
    gaps = [0, 12, 8, 14]
    moments = timeline.schedule(calendar, window, gaps)
    assert moments[0] == window.start
    assert [calendar.working_minutes_between(a, b)
            for a, b in itertools.pairwise(moments)] == gaps[1:]
    # The year's round starts on the second working day of January 2026, in the morning.
    assert window.start.date().isoformat().startswith("2026-01")
    assert window.start.time() == time(8, 5)


@pytest.mark.django_db(False)
def test_a_calendar_without_working_time_is_refused_not_looped_over():
    from kinerja.worktime.calendar import NoWorkingTimeError

    with pytest.raises(NoWorkingTimeError):
        timeline.finished_window(Calendar(week={}), 2025, "Y",
                                 datetime(2026, 11, 30, 11, tzinfo=WITA))
