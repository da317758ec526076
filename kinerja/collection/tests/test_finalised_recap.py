"""A finalised round's recap never moves (docs/architecture.md, "Finalised recaps").

The round is finalised through the services; then every catalogue field that feeds the recap
is changed through the ORM, units are renamed, the agency's thresholds change, and rounds for
earlier periods are opened with other values. The recap page, the unit pages, the API, both
workbooks, the documents (as rendered HTML) and the archive are read before and after, as
data, and must be identical. Reopening keeps the snapshot; finalising again stores the next.
"""

import io
import zipfile
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kinerja.catalogue.achievement import NotComputable, TargetSource
from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective
from kinerja.collection import exports, recap, services, snapshot
from kinerja.collection.models import (
    CollectionSettings,
    DataRequestFormat,
    FinalisedRecap,
    FinalisedRow,
    FormatItem,
    IndicatorValue,
    PlausibilityFlag,
    Round,
    RoundStatus,
    StepExecution,
    Track,
    TrackStage,
)
from kinerja.conftest import fresh, hand_over_and_acknowledge
from kinerja.core.models import AuditEvent
from kinerja.documents import cycle
from kinerja.documents import services as documents
from kinerja.documents.models import DocumentKind
from kinerja.documents.rendering import render_html
from kinerja.organisation.models import Unit

pytestmark = pytest.mark.django_db


# -- the round -------------------------------------------------------------------------------

def finalised_round_of(round_, period, year, values):
    """A round of another period, finalised, with {indicator: value} on the indicators'
    units' tracks (acknowledged)."""
    other = Round.objects.create(agency=round_.agency, sop=round_.sop,
                                 sop_version=round_.sop_version, year=year, period=period,
                                 status=RoundStatus.FINALISED)
    for indicator, value in values.items():
        track = Track.objects.get_or_create(round=other, unit=indicator.responsible_unit,
                                            defaults={"stage": TrackStage.FINAL})[0]
        IndicatorValue.objects.create(track=track, indicator=indicator, value=D(value))
    return other


def set_indicator(indicator, **changes):
    Indicator.objects.filter(pk=indicator.pk).update(**changes)


def target_of(indicator, year=2026):
    return IndicatorYearTarget.objects.get(indicator=indicator, year=year)


def shape_catalogue(catalogue):
    """Every kind of row: a sum indicator on a pro-rata PK target, a negative one on a range,
    a quarter target, an average percentage with last year's figure."""
    x1, x2, y1, s1 = catalogue
    set_indicator(x1, aggregation="sum", decimals=2)
    IndicatorYearTarget.objects.filter(indicator=x1, year=2026).update(
        renstra_target=D(40), pk_target=D(36))
    set_indicator(x2, polarity="negative", aggregation="last", decimals=2)
    IndicatorYearTarget.objects.filter(indicator=x2, year=2026).update(
        renstra_target=D(8), renstra_target_max=D(11))
    set_indicator(y1, data_type="index", decimals=1, is_iku=True)
    IndicatorYearTarget.objects.filter(indicator=y1, year=2026).update(q3_target=D(4))
    set_indicator(s1, aggregation="average", data_type="percent", decimals=2)
    IndicatorYearTarget.objects.create(indicator=s1, year=2025, renstra_target=D(9))


@pytest.fixture
def frozen(org, validated_round, catalogue):
    """The Q3 2026 round finalised by the data subsection, with a finalised Q2 2026 and Q3
    2025 behind it and a confirmed implausible value."""
    x1, x2, y1, s1 = catalogue
    shape_catalogue(catalogue)
    finalised_round_of(validated_round, "Q2", 2026, {x1: "6", x2: "13", y1: "3"})
    finalised_round_of(validated_round, "Q3", 2025, {s1: "9", x1: "5"})
    IndicatorValue.objects.filter(track__round=validated_round, indicator=y1).update(
        plausibility=PlausibilityFlag.FAR_FROM_TARGET)
    for track in validated_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(validated_round)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    return fresh(round_)


def change_everything(org, catalogue, round_):
    """Every catalogue field the recap reads, the units' names, the agency's thresholds, and
    rounds of earlier periods opened (or reopened) with other values."""
    x1, x2, y1, s1 = catalogue
    set_indicator(x1, code="X1B", name="Indikator baru", unit_of_measure="berkas", decimals=0,
                  polarity="negative", aggregation="last", data_type="currency", is_iku=True)
    set_indicator(x2, polarity="positive", aggregation="average", decimals=4,
                  data_type="percent")
    set_indicator(s1, polarity="negative", unit_of_measure="persen")
    IndicatorYearTarget.objects.filter(indicator=x1, year=2026).update(
        renstra_target=D(1), pk_target=None, q3_target=D(2))
    IndicatorYearTarget.objects.filter(indicator=x2, year=2026).update(
        renstra_target=D(1), renstra_target_max=D(2), pk_target=D(3), pk_target_max=D(4),
        q3_target=D(5))
    target_of(y1).delete()
    IndicatorYearTarget.objects.filter(indicator=s1, year=2026).update(renstra_target=D(50))
    target_of(s1, 2025).delete()
    goal = x1.objective.goal
    Goal.objects.filter(pk=goal.pk).update(code="T9", text="Tujuan yang diganti")
    Objective.objects.filter(pk=x1.objective_id).update(code="S9", text="Sasaran yang diganti")
    Unit.objects.filter(pk=org.division_x.pk).update(name="Bidang X Baru")
    Unit.objects.filter(pk=org.division_y.pk).update(name="Aa Bidang Y")
    CollectionSettings.objects.filter(agency=org.agency).update(
        explain_below_achievement=D(200), explain_change_above=D(1))
    # A new round for an earlier period, open, with values that would count if it did.
    earlier = Round.objects.create(agency=round_.agency, sop=round_.sop,
                                   sop_version=round_.sop_version, year=2026, period="Q1")
    IndicatorValue.objects.create(
        track=Track.objects.create(round=earlier, unit=org.division_x), indicator=x1,
        value=D(50))
    # The previous quarter and last year's reopened, their values changed.
    for period, year in (("Q2", 2026), ("Q3", 2025)):
        Round.objects.filter(agency=round_.agency, period=period, year=year).update(
            status=RoundStatus.OPEN)
    IndicatorValue.objects.filter(track__round__period="Q2", indicator=x1).update(value=D(60))
    IndicatorValue.objects.filter(track__round__year=2025, indicator=s1).update(value=D(1))


# -- reading every view, as data -------------------------------------------------------------

def section(html: str, start: str, end: str) -> str:
    """The HTML from the tag holding `start` to the first `end` after it."""
    at = html.index(start)
    at = html.rindex("<", 0, at)
    return html[at:html.index(end, at) + len(end)]


def cells(content: bytes) -> dict:
    """{sheet: [(coordinate, value, number format)]} and the merged ranges."""
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: ([(cell.coordinate, cell.value, cell.number_format)
                           for row in sheet.iter_rows() for cell in row],
                          sorted(str(merged) for merged in sheet.merged_cells.ranges))
            for sheet in book.worksheets}


def document_html(spec) -> str:
    return render_html(spec.template, {**spec.context, "title": spec.title,
                                       "signers": spec.signers, "footer_text": spec.title},
                       agency=spec.agency, landscape=spec.landscape)


def read_everything(client, org, round_) -> dict:
    round_ = Round.objects.get(pk=round_.pk)
    client.force_login(org.head.user)
    seen = {}
    page = client.get(reverse("collection:agency_recap", args=[round_.id])).content.decode()
    seen["page"] = section(page, "<main", "</main>")
    seen["page rows"] = [
        (row.indicator.id, row.indicator.code, row.indicator.name, row.unit.name,
         row.target, row.target_year, row.realisation, row.value, row.achievement,
         row.category, row.previous, row.previous_achievement, row.change_percent,
         row.last_year, row.explanation, row.needs_explanation, row.flag, row.flag_label)
        for row in recap.agency_recap(round_).rows]
    for track in round_.tracks.order_by("id"):
        unit_page = client.get(reverse("collection:track_detail",
                                       args=[round_.id, track.id])).content.decode()
        seen[f"unit page {track.id}"] = section(unit_page, 'id="recap"', "</table>")
        seen[f"api track {track.id}"] = client.get(
            f"/api/v1/rounds/{round_.id}/tracks/{track.id}").json()["rows"]
        seen[f"unit workbook {track.id}"] = cells(exports.unit_recap_workbook(
            Track.objects.get(pk=track.pk)))
        seen[f"unit recap document {track.id}"] = document_html(cycle.build_spec(
            DocumentKind.UNIT_RECAP, round_, None, Track.objects.get(pk=track.pk)))
    seen["api recap"] = client.get(f"/api/v1/rounds/{round_.id}/recap").json()
    seen["recap workbook"] = cells(client.get(
        reverse("collection:agency_recap_download", args=[round_.id])).content)
    seen["lkjip workbook"] = cells(client.get(
        reverse("collection:lkjip_download", args=[round_.id])).content)
    seen["recap document (draft)"] = document_html(
        cycle.draft_spec(DocumentKind.AGENCY_RECAP, round_, None))
    step_9 = StepExecution.objects.get(round=round_, step__number=9)
    seen["recap document (filed)"] = [document_html(spec)
                                      for spec in cycle.specs_for_execution(step_9)]
    archive = zipfile.ZipFile(io.BytesIO(client.get(
        reverse("documents:archive", args=[round_.id])).content))
    seen["archive"] = {name: archive.read(name) for name in archive.namelist()}
    return seen


def test_a_finalised_recap_is_identical_after_every_change(client, org, frozen, catalogue):
    step_9 = StepExecution.objects.get(round=frozen, step__number=9)
    assert documents.documents_issue_for(step_9.id)  # the filed agency recap, in the archive
    before = read_everything(client, org, frozen)
    assert len(before["page rows"]) == 4 and "X1" in before["page"]
    assert any(name.endswith(".pdf") for name in before["archive"])
    live_before = recap.agency_recap(frozen, live=True).rows

    change_everything(org, catalogue, frozen)

    # The changes do move the figures computed live ...
    live_after = recap.agency_recap(Round.objects.get(pk=frozen.pk), live=True).rows
    assert ([(r.indicator.code, r.target, r.realisation, r.achievement) for r in live_after]
            != [(r.indicator.code, r.target, r.realisation, r.achievement)
                for r in live_before])
    # ... and none of the finalised round's views.
    after = read_everything(client, org, frozen)
    assert after.keys() == before.keys()
    moved = [view for view in before if after[view] != before[view]]
    assert moved == [], moved
    assert "X1B" not in after["page"] and "Bidang X Baru" not in after["page"]


def test_no_view_of_a_finalised_recap_moves_at_all(client, org, frozen, catalogue):
    before = read_everything(client, org, frozen)
    change_everything(org, catalogue, frozen)
    after = read_everything(client, org, frozen)
    assert [view for view in before if after[view] != before[view]] == []


def test_the_snapshot_keeps_the_exact_figures_and_the_target_used(org, frozen, catalogue):
    x1, x2, y1, s1 = catalogue
    stored = FinalisedRecap.objects.get(round=frozen)
    assert (stored.number, stored.superseded_at, stored.missing_units) == (1, None, [])
    assert stored.finalised_at == frozen.finalised_at
    assert stored.format_number == 1 and stored.quarter_rule == "pro_rata_for_sum"
    assert stored.scale == recap.SCALE.to_data()
    rows = {row.indicator_id: row for row in FinalisedRow.objects.filter(recap=stored)}
    assert [row.indicator_id for row in stored.rows.order_by("position")] == [
        row.indicator.id for row in recap.agency_recap(frozen, live=True).rows]
    # X1: Q2 6 + Q3 8 = 14 year to date against 3/4 of the PK target 36.
    assert (rows[x1.id].target, rows[x1.id].target_source, rows[x1.id].target_year) == (
        D(27), TargetSource.PK_PRO_RATA, 2026)
    assert rows[x1.id].realisation == "14.0000"
    assert D(rows[x1.id].achievement) == D(14) / D(27) * 100
    assert rows[x1.id].category_code == "low"
    # X2: negative, 12 above the range 8–11: (2 × 11 − 12) ÷ 11, every digit kept.
    assert (rows[x2.id].target, rows[x2.id].target_max) == (D(8), D(11))
    assert rows[x2.id].achievement == str(D(10) / D(11) * 100)
    assert rows[x2.id].has_previous_achievement and rows[x2.id].previous == D(13)
    # Y1: its quarter's own target, and the confirmed flag.
    assert (rows[y1.id].target, rows[y1.id].target_source) == (D(4), TargetSource.QUARTER)
    assert rows[y1.id].plausibility == PlausibilityFlag.FAR_FROM_TARGET
    assert (rows[y1.id].decimals, rows[y1.id].data_type, rows[y1.id].is_iku) == (1, "index",
                                                                               True)
    # S1: no earlier quarter this year; last year's figure.
    assert rows[s1.id].last_year == D(9) and not rows[s1.id].has_previous_achievement
    assert (rows[s1.id].unit_name, rows[s1.id].goal_text, rows[s1.id].objective_code) == (
        "Sekretariat", "Tujuan 1", "S1")
    event = AuditEvent.objects.get(action="round.finalised", round=frozen)
    assert event.data["snapshot"] == 1


def test_the_rows_read_back_are_those_computed_at_finalising(org, frozen):
    live = recap.agency_recap(frozen, live=True)
    stored = recap.agency_recap(frozen)
    assert all(row.record is None for row in stored.rows)
    assert all(row.record is not None for row in live.rows)
    fields = ("target", "target_year", "realisation", "value", "achievement", "category",
              "previous", "previous_achievement", "change_percent", "explanation",
              "needs_explanation", "explanation_reasons", "missing_value", "evidence_count",
              "last_year", "flag", "flag_label", "achievement_display")
    for mine, theirs in zip(stored.rows, live.rows, strict=True):
        for name in fields:
            assert getattr(mine, name) == getattr(theirs, name), name
        for name in ("id", "code", "name", "unit_of_measure", "decimals", "polarity",
                     "aggregation", "data_type", "is_iku"):
            assert getattr(mine.indicator, name) == getattr(theirs.indicator, name), name
        assert (mine.goal.id, mine.goal.code, mine.goal.text) == (
            theirs.goal.id, theirs.goal.code, theirs.goal.text)
        assert (mine.objective.id, mine.objective.text) == (theirs.objective.id,
                                                            theirs.objective.text)
        assert (mine.unit.id, mine.unit.name) == (theirs.unit.id, theirs.unit.name)
        assert mine.indicator.pk is not None and mine.indicator._state.adding  # unsaved
    assert stored.implausible_count == live.implausible_count == 1
    assert [(c.unit.id, c.indicators, c.with_value, c.explanations_missing, c.stage)
            for c in stored.completeness] == [
        (c.unit.id, c.indicators, c.with_value, c.explanations_missing, c.stage)
        for c in live.completeness]


def test_reading_a_snapshot_takes_a_fixed_number_of_queries(org, frozen):
    round_ = Round.objects.get(pk=frozen.pk)
    with CaptureQueriesContext(connection) as captured:
        recap.agency_recap(round_)
    # the snapshot, its rows, the format, the tracks
    assert len(captured) <= 4, [query["sql"] for query in captured]
    track = Track.objects.select_related("round").get(round=round_, unit=org.division_x)
    with CaptureQueriesContext(connection) as captured:
        rows = recap.unit_recap(track)
    assert len(captured) <= 2
    assert [row.indicator.code for row in rows] == ["X1", "X2"]
    assert recap.missing_for_submission(track) == []  # nothing left to submit


def test_reopening_keeps_the_snapshot_and_finalising_again_stores_the_next(org, frozen,
                                                                           catalogue):
    x1 = catalogue[0]
    first = snapshot.current_snapshot(frozen)
    before = [(row.indicator.code, row.target) for row in recap.agency_recap(frozen).rows]
    services.round_reopen(user=org.head.user, round_=frozen, reason="Koreksi target",
                          expected_version=frozen.version)
    round_ = fresh(frozen)
    first.refresh_from_db()
    assert first.superseded_at is not None and snapshot.current_snapshot(round_) is None
    # Open again: computed live, so the corrected target shows.
    IndicatorYearTarget.objects.filter(indicator=x1, year=2026).update(pk_target=D(20))
    rows = {row.indicator.code: row for row in recap.agency_recap(round_).rows}
    assert rows["X1"].target.value == D(15) and rows["X1"].record is not None
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    round_ = fresh(round_)
    second = snapshot.current_snapshot(round_)
    assert second.number == 2 and second.superseded_at is None
    assert FinalisedRow.objects.get(recap=second, indicator=x1).target == D(15)
    # The first stays in the record with the figures it had.
    assert FinalisedRow.objects.get(recap=first, indicator=x1).target == D(27)
    assert FinalisedRecap.objects.filter(round=round_).count() == 2
    assert before[0][0] == "X1" and before[0][1].value == D(27)
    assert recap.agency_recap(round_).rows[0].target.value == D(15)
    assert sorted(AuditEvent.objects.filter(action="round.finalised", round=round_)
                  .values_list("data__snapshot", flat=True)) == [1, 2]


def test_an_open_round_is_computed_live(org, validated_round, catalogue):
    x1 = catalogue[0]
    assert not FinalisedRecap.objects.exists()
    rows = {row.indicator.code: row for row in recap.agency_recap(validated_round).rows}
    assert rows["X1"].target.value == D(10) and rows["X1"].target_year == 2026
    assert rows["X1"].record is not None and rows["X1"].flag == ""
    IndicatorYearTarget.objects.filter(indicator=x1, year=2026).update(renstra_target=D(16))
    set_indicator(x1, name="Nama baru")
    rows = {row.indicator.code: row for row in recap.agency_recap(validated_round).rows}
    assert rows["X1"].target.value == D(16) and rows["X1"].indicator.name == "Nama baru"
    assert rows["X1"].achievement.percent == D(50)
    IndicatorYearTarget.objects.filter(indicator=x1, year=2026).delete()
    rows = {row.indicator.code: row for row in recap.agency_recap(validated_round).rows}
    assert rows["X1"].target is None and rows["X1"].target_year is None
    assert rows["X1"].achievement.reason == NotComputable.NO_TARGET


def test_the_next_quarter_ignores_this_quarter_while_it_is_reopened(org, frozen, catalogue):
    """Earlier-period figures come from finalised rounds only: reopening Q3 takes its values
    out of Q4's previous period until it is finalised again."""
    x1 = catalogue[0]
    q4 = Round.objects.create(agency=frozen.agency, sop=frozen.sop,
                              sop_version=frozen.sop_version, year=2026, period="Q4")
    source = DataRequestFormat.objects.get(round=frozen)
    copy = DataRequestFormat.objects.create(round=q4, number=1, due_date=source.due_date,
                                            created_by=source.created_by,
                                            finalised_at=source.finalised_at)
    FormatItem.objects.bulk_create(FormatItem(format=copy, unit=item.unit,
                                              indicator=item.indicator)
                                   for item in source.items.all())
    track = Track.objects.create(round=q4, unit=org.division_x)

    def q4_x1():
        return {row.indicator.code: row
                for row in recap.unit_recap(Track.objects.get(pk=track.pk))}["X1"]

    assert q4_x1().previous == D(8)
    services.round_reopen(user=org.head.user, round_=frozen, reason="Koreksi",
                          expected_version=frozen.version)
    assert q4_x1().previous is None
    round_ = fresh(frozen)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    assert q4_x1().previous == D(8)
    assert recap.values_by_period(agency=org.agency, year=2026, indicator_ids=[x1.id]) == {
        (org.division_x.id, x1.id): {"Q2": D(6), "Q3": D(8)}}


def test_a_pro_rata_target_keeps_every_digit(org, validated_round, catalogue):
    x1 = catalogue[0]
    set_indicator(x1, aggregation="sum")
    IndicatorYearTarget.objects.filter(indicator=x1, year=2026).update(
        renstra_target=D("7.3333"))
    live = recap.agency_recap(validated_round, live=True).rows[0].target
    assert live.value == D("7.3333") * 3 / 4  # 5.499975
    for track in validated_round.tracks.all():
        hand_over_and_acknowledge(org, track)
    round_ = fresh(validated_round)
    services.round_finalise(user=org.staff_data.user, round_=round_,
                            expected_version=round_.version)
    assert recap.agency_recap(fresh(round_)).rows[0].target == live


def test_a_finalised_recap_is_identical_after_the_admin_and_a_reimport(client, org, frozen,
                                                                       catalogue):
    """The administrator's way: every guarded catalogue field changed with a reason in the
    admin and through a re-imported catalogue workbook; the finalised recap does not move."""
    from django.test import Client
    from openpyxl.utils import get_column_letter

    from kinerja.catalogue.exporter import catalogue_export
    from kinerja.catalogue.services import catalogue_import
    from kinerja.catalogue.tests.factories import edit_workbook, sheet_values
    from kinerja.catalogue.tests.test_guard import admin_data, post_indicator
    from kinerja.organisation.setup import ensure_agency_admin_group

    x1, x2, _y1, _s1 = catalogue
    before = read_everything(client, org, frozen)
    admin = org.staff_secretariat.user
    admin.is_staff = True
    admin.save()
    admin.groups.add(ensure_agency_admin_group())
    reason = "Revisi Renstra 2026 (Perbup 12/2026)"
    # The admin: X1's words, rules and its 2026 targets.
    x1 = Indicator.objects.get(pk=x1.pk)
    changes = {"name": "Indikator diganti di admin", "unit_of_measure": "berkas",
               "polarity": "negative", "aggregation": "sum", "data_type": "percent",
               "decimals": 0, "change_reason": reason}
    targets = list(x1.targets.order_by("year"))
    for index, target in enumerate(targets):
        if target.year == 2026:
            changes |= {f"targets-{index}-renstra_target": "3",
                        f"targets-{index}-renstra_target_max": "4",
                        f"targets-{index}-q3_target": "1"}
    # Its own browser: the admin's "changed" message is not for the pages compared.
    response = post_indicator(Client(), admin, x1, admin_data(x1, **changes))
    assert response.status_code == 302, response.content[:2000]
    assert Indicator.objects.get(pk=x1.pk).polarity == "negative"
    # The re-import: X2's rules and the 2026 targets of X2 cleared.
    exported = catalogue_export(x2.period)
    rows = sheet_values(exported)
    columns = {header: get_column_letter(index + 1) for index, header in enumerate(rows[0])
               if header}
    codes = [row[list(rows[0]).index("Kode Indikator")] for row in rows]
    line = codes.index(x2.code) + 1
    data = edit_workbook(exported, {
        f"{columns['Polaritas']}{line}": "negatif", f"{columns['Tipe Data']}{line}": "persen",
        f"{columns['Target Renstra 2026']}{line}": None,
        f"{columns['Target PK 2026']}{line}": None})
    from kinerja.catalogue.services import CatalogueFileError
    try:
        catalogue_import(agency=org.agency, period=x2.period, file=data,
                         actor=org.staff_secretariat.user, source_name="katalog.xlsx",
                         change_reason=reason)
    except CatalogueFileError as error:  # pragma: no cover - says why, when it fails
        raise AssertionError([problem.message for problem in error.problems]) from error
    assert not IndicatorYearTarget.objects.filter(indicator=x2, year=2026).exists()
    # A new round for an earlier period.
    Round.objects.create(agency=frozen.agency, sop=frozen.sop, sop_version=frozen.sop_version,
                         year=2026, period="Q1")

    after = read_everything(client, org, frozen)
    assert [view for view in before if after[view] != before[view]] == []
    assert AuditEvent.objects.filter(data__reason=reason).exists()
