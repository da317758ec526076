"""The demo's collection rounds, carried through the real services: last year's annual round,
the previous quarter's and the same quarter's of last year finished, and this quarter's round
at data entry, so a visitor sees tasks, recaps (with the previous period and last year) and
times at once.

Every value is near its target (`plausible_value`), so none breaks a plausibility rule of
docs/domain.md §10; kinerja/demo/tests/test_demo_plausible.py checks it."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from kinerja.catalogue.achievement import effective_target
from kinerja.catalogue.models import IndicatorYearTarget
from kinerja.collection import services
from kinerja.collection.models import Round, Track
from kinerja.collection.services import ValueEntry
from kinerja.organisation.models import Agency, Capacity, Person, PositionHolding
from kinerja.sops.models import Sop

EXPLANATION = "Capaian sesuai pelaksanaan kegiatan pada periode ini."


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
        self.planning_head = self.one("subsection_head", "planning")
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


def _fresh(round_: Round) -> int:
    round_.refresh_from_db()
    return round_.version


def open_round(agency: Agency, cast: Cast, year: int, period: str) -> Round:
    """Steps 1–4: disposition, forwarding, initials, format, sending, meeting."""
    today = timezone.localdate()
    sop = Sop.objects.filter(agency=agency).first()
    label = f"triwulan {period.removeprefix('Q')}" if period != "Y" else "tahunan"
    disposition = services.disposition_create(
        user=cast.head.user, sop=sop, year=year, period=period, date=today, speed="segera",
        security="biasa", subject=f"Pengumpulan data kinerja {label} tahun {year}",
        instruction="Mohon dikoordinasikan pengumpulan data kinerja seluruh bidang.",
        deadline=today + timedelta(days=21))
    round_ = services.disposition_sign(user=cast.head.user, disposition=disposition,
                                       expected_version=disposition.version)
    services.disposition_forward(user=cast.secretary.user, round_=round_,
                                 instruction="Siapkan format permintaan data.",
                                 expected_version=_fresh(round_))
    services.disposition_initial(user=cast.planning_head.user, round_=round_,
                                 expected_version=_fresh(round_))
    services.format_create(user=cast.data_head.user, round_=round_,
                           due_date=today + timedelta(days=14), expected_version=_fresh(round_))
    services.format_finalise(user=cast.data_head.user, round_=round_,
                             expected_version=_fresh(round_))
    services.format_send(user=cast.data_head.user, round_=round_,
                         expected_version=_fresh(round_))
    invitees = [cast.secretary, cast.data_head, *(cast.head_of(t) for t in round_.tracks.all())]
    services.meeting_record(
        user=cast.data_head.user, round_=round_, held_at=timezone.now(),
        place="Ruang Rapat Bappeda & Litbang", invitees=invitees, attendees=invitees,
        minutes="Format permintaan data dibahas bersama para Kepala Bidang dan Subbidang Data.",
        decisions="Data diserahkan paling lambat sesuai batas waktu format.",
        expected_version=_fresh(round_))
    return round_


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


def fill(track: Track, cast: Cast, round_: Round, *, submit: bool) -> None:
    staff = cast.staff_of(track)
    items = services.current_format(round_).items.filter(unit=track.unit).select_related(
        "indicator")
    services.values_save(user=staff.user, track=track, entries=[
        ValueEntry(indicator_id=item.indicator_id, value_text=plausible_value(item, round_),
                   explanation=EXPLANATION) for item in items])
    if submit:
        track.refresh_from_db()
        services.data_entry_complete(user=staff.user, track=track,
                                     expected_version=track.version)
        track.refresh_from_db()
        services.unit_recap_submit(user=staff.user, track=track,
                                   expected_version=track.version)


def finish(track: Track, cast: Cast, round_: Round) -> None:
    fill(track, cast, round_, submit=True)
    unit_head = cast.head_of(track)
    for call in (services.unit_recap_approve, services.handover_submit):
        track.refresh_from_db()
        call(user=unit_head.user, track=track, expected_version=track.version)
    track.refresh_from_db()
    services.handover_acknowledge(user=cast.data_head.user, track=track,
                                  expected_version=track.version)


def look_back(year: int, quarter: int) -> list[tuple[int, int]]:
    """(year, quarter) of the previous quarter and of the same quarter one year earlier."""
    previous = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return [previous, (year - 1, quarter)]


def demo_rounds(agency: Agency) -> None:
    if Round.objects.filter(agency=agency).exists():
        return
    cast = Cast(agency)
    year, quarter = demo_period(agency)
    # The year's collection that fed last year's LKjIP.
    finished = open_round(agency, cast, year - 1, "Y")
    for track in finished.tracks.all():
        finish(track, cast, finished)
    services.round_finalise(user=cast.data_staff.user, round_=finished,
                            expected_version=_fresh(finished))
    # The rounds this quarter's looks back to, finished too: the previous quarter and the
    # same quarter last year, so its pages show the previous period and last year.
    for back_year, back_quarter in look_back(year, quarter):
        earlier = open_round(agency, cast, back_year, f"Q{back_quarter}")
        for track in earlier.tracks.all():
            finish(track, cast, earlier)
        services.round_finalise(user=cast.data_staff.user, round_=earlier,
                                expected_version=_fresh(earlier))
    current = open_round(agency, cast, year, f"Q{quarter}")
    tracks = list(current.tracks.order_by("unit__order"))
    # One unit is validated (its hand-over waits), one waits for its Kabid, one has its values
    # saved but not yet marked as filled in.
    finish_until_handover = tracks[0]
    fill(finish_until_handover, cast, current, submit=True)
    finish_until_handover.refresh_from_db()
    services.unit_recap_approve(user=cast.head_of(finish_until_handover).user,
                                track=finish_until_handover,
                                expected_version=finish_until_handover.version)
    fill(tracks[1], cast, current, submit=True)
    fill(tracks[2], cast, current, submit=False)
