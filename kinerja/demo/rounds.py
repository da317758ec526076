"""The demo's collection rounds, carried through the real services: last year's annual round,
the previous quarter's and the same quarter's of last year finished, and this quarter's round
at data entry, so a visitor sees tasks, recaps (with the previous period and last year) and
times at once.

Each round happened in its own time (kinerja/demo/timeline.py): every step runs with Django's
clock moved to the step's working moment (kinerja/demo/clock.py), so its execution, signatures,
documents and audit events carry that moment, its agenda number comes from that year's counter,
and the figures are the services' own. A round is a script of acts, each some working minutes
after the one before, spread over the round's window; the script follows the agency's own SOP
(`Procedure`, `Acts`): a step the SOP lacks has no act.

Every value is near its target (`plausible_value`), so none breaks a plausibility rule of
docs/domain.md §10; kinerja/demo/tests/test_demo.py checks it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import timezone

from kinerja.catalogue.achievement import effective_target
from kinerja.catalogue.models import IndicatorYearTarget
from kinerja.collection import services
from kinerja.collection.models import Round, Track
from kinerja.collection.services import ValueEntry
from kinerja.organisation.models import Agency, Capacity, Person, PositionHolding, Unit
from kinerja.sops.models import Sop, SopVersion
from kinerja.worktime.calendar import Calendar

from . import clock, timeline

EXPLANATION = "Capaian sesuai pelaksanaan kegiatan pada periode ini."
# Documents are filed once a step has committed, a moment after it.
FILING_DELAY = timedelta(minutes=1)


class Cast:
    """Who holds which post in the demo agency."""

    def __init__(self, agency: Agency):
        holdings = list(PositionHolding.objects.filter(
            person__agency=agency, capacity=Capacity.DEFINITIVE)
            .select_related("position__unit__parent", "person__user")
            .prefetch_related("position__unit__functions"))
        self.by_kind: dict[str, list[PositionHolding]] = {}
        for holding in holdings:
            self.by_kind.setdefault(holding.position.kind, []).append(holding)
        self.head = self.one("head")
        self.secretary = self.one("secretary")
        self.data_head = self.one("subdivision_head", "data")
        self.data_staff = self.one("staff", "data")

    def one(self, kind: str, function: str = "") -> Person:
        for holding in self.by_kind.get(kind, []):
            tags = {tag.code for tag in holding.position.unit.functions.all()}
            if not function or function in tags:
                return holding.person
        raise LookupError(kind)

    def staff_of(self, track: Track) -> Person:
        for holding in self.by_kind["staff"]:
            unit = holding.position.unit
            if track.unit_id in (unit.id, unit.parent_id):
                return holding.person
        raise LookupError(track.unit)

    def head_of(self, track: Track) -> Person:
        """The unit head, acting ones included (the demo's Litbang has a Plt.)."""
        holding = PositionHolding.objects.filter(
            position__unit=track.unit, position__kind__in=["division_head", "secretary"]
        ).select_related("person__user").order_by("capacity").first()
        return holding.person


def demo_period(agency: Agency) -> tuple[int, int]:
    """Today's year and quarter, kept inside the demo catalogue's Renstra period: after its
    last year the demo shows that year's fourth quarter rather than failing."""
    from kinerja.catalogue.models import RenstraPeriod

    today = timezone.localdate()
    period = RenstraPeriod.objects.filter(agency=agency).order_by("-end_year").first()
    if period is not None and today.year > period.end_year:
        return period.end_year, 4
    return today.year, (today.month - 1) // 3 + 1


def plausible_value(item, round_: Round) -> str:
    """A realistic value near the target, the same on every run."""
    indicator = item.indicator
    target_row = IndicatorYearTarget.objects.filter(indicator=indicator,
                                                    year=round_.year).first()
    quarter = 0 if round_.period == "Y" else int(round_.period[1])
    target = effective_target(target_row, quarter, aggregation=indicator.aggregation)
    base = target.value if target and target.value else Decimal("1")
    if indicator.aggregation == "sum" and quarter:
        base = base / quarter  # the quarter's own share of a year-to-date target
    seed = int(hashlib.sha256(f"{indicator.code}{round_.year}{round_.period}".encode())
               .hexdigest()[:6], 16)
    factor = Decimal(70 + seed % 45) / 100  # 0,70 … 1,14
    if indicator.polarity == "negative":
        factor = Decimal(2) - factor
    value = (base * factor).quantize(Decimal(1).scaleb(-indicator.decimals),
                                     rounding=ROUND_HALF_UP)
    if indicator.data_type == "percent":
        value = min(value, Decimal(100))
    return str(value).replace(".", ",")


# -- the script of a round --------------------------------------------------------------------

@dataclass(frozen=True)
class Act:
    """One thing done in a round: `name` is a method of `RoundBuilder`, done `gap` working
    minutes after the act before; `track` is the index of the unit (in unit order)."""

    name: str
    gap: int
    track: int | None = None


@dataclass(frozen=True)
class Procedure:
    """What the script follows of an SOP: its steps' kinds in their order, and whether someone
    initials the disposition after the secretary (`SopVersion.further_initials`)."""

    kinds: tuple[str, ...]
    initials: bool

    @classmethod
    def of(cls, version: SopVersion) -> Procedure:
        return cls(tuple(version.steps.order_by("number").values_list("kind", flat=True)),
                   bool(version.further_initials()))


# The acts that run a step of each kind (docs/sop-contract.md, "The kinds"), with their gaps,
# within the SOP's time standards. The seed's steps 1–4 take the first day: the head signs the
# disposition, the secretary forwards it, the planning head initials it, the data subsection
# makes and sends the format, and the meeting is held and its minutes recorded.
ROUND_ACTS = {
    "disposition": (("draft", 0), ("sign", 12)),
    "forwarding": (("forward", 5),),
    "data_request_format": (("format", 7), ("format_finalise", 10)),
    "sending": (("format_send", 10),),
    "meeting": (("meeting", 30), ("meeting_record", 20)),
    "agency_recap": (("finalise", 240),),
}
INITIALS = ("initial", 6)
# A unit's acts: its staff fill in (the seed's steps 5–6), its head validates and hands over,
# the data subsection acknowledges (steps 7–8).
UNIT_ACTS = {
    "data_entry": (("values", 50), ("complete", 20)),
    "unit_recap": (("submit", 15),),
    "validation": (("approve", 40),),
    "handover": (("handover", 8), ("acknowledge", 6)),
}
# The unit steps from which the unit's data is checked rather than filled in.
CHECKING_KINDS = ("validation", "handover")


@dataclass(frozen=True)
class Acts:
    """A procedure's acts: before the units' (`opening`), each unit's filling in and checking
    (without their track), and after them (`closing`)."""

    opening: tuple[Act, ...]
    filling: tuple[Act, ...]
    checking: tuple[Act, ...]
    closing: tuple[Act, ...]

    @classmethod
    def of(cls, procedure: Procedure) -> Acts:
        phases: dict[str, list[Act]] = {"opening": [], "filling": [], "checking": [],
                                        "closing": []}
        # Without a format step of its own, the forwarding's receiver builds the format.
        format_step = "data_request_format" in procedure.kinds
        for kind in procedure.kinds:
            if kind in UNIT_ACTS:
                checking = bool(phases["checking"]) or kind in CHECKING_KINDS
                phases["checking" if checking else "filling"] += [
                    Act(name, gap) for name, gap in UNIT_ACTS[kind]]
                continue
            if kind not in ROUND_ACTS:
                raise ValueError(f"the demo cannot play a step of kind {kind!r}")
            acts = list(ROUND_ACTS[kind])
            if kind == "forwarding":
                acts += [INITIALS] if procedure.initials else []
                acts += [] if format_step else list(ROUND_ACTS["data_request_format"])
            # The sending is per unit, but one act sends every unit its part.
            phase = "closing" if phases["filling"] else "opening"
            phases[phase] += [Act(name, gap) for name, gap in acts]
        return cls(**{name: tuple(acts) for name, acts in phases.items()})


def on_track(acts: tuple[Act, ...], track: int) -> list[Act]:
    return [replace(act, track=track) for act in acts]


def finished_script(procedure: Procedure, track_count: int) -> list[Act]:
    """Every unit fills in; then every unit's data is checked (validated, handed over and
    acknowledged, as far as the SOP goes); then the recap."""
    acts = Acts.of(procedure)
    script = list(acts.opening)
    for track in range(track_count):
        script += on_track(acts.filling, track)
    for track in range(track_count):
        script += on_track(acts.checking, track)
    return [*script, *acts.closing]


def current_script(procedure: Procedure, track_count: int) -> list[Act]:
    """This quarter's round at data entry: one unit validated (the seed's hand-over then
    waits), one waiting for its Kabid, one with its values saved but not yet marked as filled
    in; with fewer units, the later of these."""
    acts = Acts.of(procedure)
    states = ("validated", "filled", "saving")[max(0, 3 - track_count):]
    script = list(acts.opening)
    for track, state in enumerate(states):
        if state != "saving":
            script += on_track(acts.filling, track)
    for track, state in enumerate(states):
        if state == "validated":
            script += on_track(acts.checking[:1], track)
    for track, state in enumerate(states):
        if state == "saving":
            script += on_track(acts.filling[:1], track)
    return script


class RoundBuilder:
    """Plays a round's script through the services, each act at its moment."""

    def __init__(self, agency: Agency, cast: Cast, calendar: Calendar, year: int,
                 period: str):
        self.agency, self.cast, self.calendar = agency, cast, calendar
        self.year, self.period = year, period
        self.round_: Round | None = None
        self.sheet = None  # the disposition
        self.held_at: datetime | None = None

    def play(self, script: list[Act], window: timeline.Window) -> Round:
        moments = timeline.schedule(self.calendar, window, [act.gap for act in script])
        for act, moment in zip(script, moments, strict=True):
            with clock.moved_to(moment):
                getattr(self, act.name)(moment, self.track(act.track))
            self.file_documents(moment)
        return self.round_

    def track(self, index: int | None) -> Track | None:
        if index is None:
            return None
        return list(self.round_.tracks.select_related("unit").order_by("unit__order"))[index]

    def version(self) -> int:
        self.round_.refresh_from_db()
        return self.round_.version

    def file_documents(self, moment: datetime) -> None:
        """The documents of the steps completed at the moment, filed a moment later, as the
        task worker files them after the step's commit (`documents.tasks`): the jobs the
        steps queued are run here, in the demo's transaction, so none is left for the
        worker `make demo` starts."""
        if self.round_ is None or not settings.KINERJA_ISSUE_DOCUMENTS:
            return
        from kinerja.documents.services import documents_issue_report
        from kinerja.documents.tasks import (
            issue_documents_task,
            queued_in_the_database,
            run_ready_tasks,
        )

        with clock.moved_to(moment + FILING_DELAY):
            if queued_in_the_database(issue_documents_task):
                run_ready_tasks(issue_documents_task, worker_id="demo")
                return
            # Another backend is handed the jobs at the demo's commit: they find these filed.
            for execution_id in (self.round_.executions.filter(completed_at=moment)
                                 .order_by("id").values_list("id", flat=True)):
                documents_issue_report(execution_id)

    # Steps 1–4 ---------------------------------------------------------------------------

    def draft(self, moment: datetime, track: None) -> None:
        day = timezone.localdate()
        label = (f"triwulan {self.period.removeprefix('Q')}" if self.period != "Y"
                 else "tahunan")
        self.sheet = services.disposition_create(
            user=self.cast.head.user, sop=Sop.objects.filter(agency=self.agency).first(),
            year=self.year, period=self.period, date=day, speed="segera", security="biasa",
            subject=f"Pengumpulan data kinerja {label} tahun {self.year}",
            instruction="Mohon dikoordinasikan pengumpulan data kinerja seluruh bidang.",
            deadline=day + timedelta(days=21))

    def sign(self, moment: datetime, track: None) -> None:
        self.round_ = services.disposition_sign(user=self.cast.head.user,
                                                disposition=self.sheet,
                                                expected_version=self.sheet.version)

    def forward(self, moment: datetime, track: None) -> None:
        services.disposition_forward(user=self.cast.secretary.user, round_=self.round_,
                                     instruction="Siapkan format permintaan data.",
                                     expected_version=self.version())

    def initial(self, moment: datetime, track: None) -> None:
        """Whoever the SOP's recording names after the secretary initials (the seed's
        Kasubbag Perencanaan)."""
        for initialler in self.round_.sop_version.further_initials():
            person = self.cast.one(initialler.position, initialler.unit_function)
            services.disposition_initial(user=person.user, round_=self.round_,
                                         expected_version=self.version())

    def format(self, moment: datetime, track: None) -> None:
        services.format_create(user=self.cast.data_head.user, round_=self.round_,
                               due_date=timezone.localdate() + timedelta(days=14),
                               expected_version=self.version())

    def format_finalise(self, moment: datetime, track: None) -> None:
        services.format_finalise(user=self.cast.data_head.user, round_=self.round_,
                                 expected_version=self.version())

    def format_send(self, moment: datetime, track: None) -> None:
        services.format_send(user=self.cast.data_head.user, round_=self.round_,
                             expected_version=self.version())

    def meeting(self, moment: datetime, track: None) -> None:
        self.held_at = moment  # the minutes are recorded after the meeting

    def meeting_record(self, moment: datetime, track: None) -> None:
        cast = self.cast
        invitees = [cast.secretary, cast.data_head,
                    *(cast.head_of(t) for t in self.round_.tracks.all())]
        services.meeting_record(
            user=cast.data_head.user, round_=self.round_, held_at=self.held_at,
            place=f"Ruang Rapat {self.agency.short_name}", invitees=invitees, attendees=invitees,
            minutes="Format permintaan data dibahas bersama para Kepala Bidang dan Subbidang "
                    "Data.",
            decisions="Data diserahkan paling lambat sesuai batas waktu format.",
            expected_version=self.version())

    # Steps 5–9 ---------------------------------------------------------------------------

    def values(self, moment: datetime, track: Track) -> None:
        items = services.current_format(self.round_).items.filter(
            unit=track.unit).select_related("indicator")
        services.values_save(user=self.cast.staff_of(track).user, track=track, entries=[
            ValueEntry(indicator_id=item.indicator_id,
                       value_text=plausible_value(item, self.round_),
                       explanation=EXPLANATION) for item in items])

    def complete(self, moment: datetime, track: Track) -> None:
        services.data_entry_complete(user=self.cast.staff_of(track).user, track=track,
                                     expected_version=track.version)

    def submit(self, moment: datetime, track: Track) -> None:
        services.unit_recap_submit(user=self.cast.staff_of(track).user, track=track,
                                   expected_version=track.version)

    def approve(self, moment: datetime, track: Track) -> None:
        services.unit_recap_approve(user=self.validator(track).user, track=track,
                                    expected_version=track.version)

    def validator(self, track: Track) -> Person:
        """The actor of the validation that waits on the track: the unit's head, or the level
        the SOP names (a second level's Sekretaris)."""
        step = services.waiting_executions(self.round_).get(
            track=track, step__kind="validation").step
        if step.actor_position == "unit_head":
            return self.cast.head_of(track)
        return self.cast.one(step.actor_position, step.actor_unit_function)

    def handover(self, moment: datetime, track: Track) -> None:
        services.handover_submit(user=self.cast.head_of(track).user, track=track,
                                 expected_version=track.version)

    def acknowledge(self, moment: datetime, track: Track) -> None:
        services.handover_acknowledge(user=self.cast.data_head.user, track=track,
                                      expected_version=track.version)

    def finalise(self, moment: datetime, track: None) -> None:
        services.round_finalise(user=self.cast.data_staff.user, round_=self.round_,
                                expected_version=self.version())


def look_back(year: int, quarter: int) -> list[tuple[int, int]]:
    """(year, quarter) of the previous quarter and of the same quarter one year earlier."""
    previous = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return [previous, (year - 1, quarter)]


def reporting_unit_count(agency: Agency, year: int) -> int:
    """The units that get a track in a round of the year: those responsible for an indicator
    of the year's catalogue, which the format asks of them (`format_create`,
    `collection.engine.reporting_units`)."""
    return Unit.objects.filter(agency=agency, indicators__period__start_year__lte=year,
                               indicators__period__end_year__gte=year).distinct().count()


def demo_rounds(agency: Agency) -> None:
    """The agency's rounds, each played through the services on the agency's own SOP."""
    if Round.objects.filter(agency=agency).exists():
        return
    cast = Cast(agency)
    calendar = Calendar.load(agency)
    procedure = Procedure.of(Sop.objects.filter(agency=agency).first().current_version)
    build = clock.real_now()
    year, quarter = demo_period(agency)
    # The year's collection that fed last year's LKjIP, and the rounds this quarter's looks
    # back to (the previous quarter and the same quarter last year), finished; then this
    # quarter's. Built one after the other in the order they began (the year's first when
    # two begin together), so the agenda numbers follow the dates.
    finished = [(year - 1, "Y"), *((y, f"Q{q}") for y, q in look_back(year, quarter))]
    plays = [(timeline.finished_window(calendar, y, p, build), y, p,
              finished_script(procedure, reporting_unit_count(agency, y)))
             for y, p in finished]
    # This quarter's round ends just before the build: its open steps were given just now.
    script = current_script(procedure, reporting_unit_count(agency, year))
    plays.append((timeline.current_window(calendar, build, sum(act.gap for act in script)),
                  year, f"Q{quarter}", script))
    for window, round_year, period, script in sorted(plays, key=lambda play: play[0].start):
        RoundBuilder(agency, cast, calendar, round_year, period).play(script, window)
