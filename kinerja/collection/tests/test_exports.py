"""The recap exports: values, formulas a reader can check, visibility."""

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kinerja.catalogue.choices import Polarity
from kinerja.catalogue.models import IndicatorYearTarget
from kinerja.collection import exports, recap
from kinerja.conftest import fresh, validated

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_round(org, entry_round, catalogue):
    """X1 positive 8 of 10; X2 negative 12 of 10; Y1 negative 0 of target 0 (100 by our rule);
    S1 positive 10 of 10. Every unit validated; the Renstra ends in 2026 with target 10."""
    x1, x2, y1, s1 = catalogue
    for indicator in (x2, y1):
        indicator.polarity = Polarity.NEGATIVE
        indicator.save()
    IndicatorYearTarget.objects.filter(indicator=y1, year=2026).update(
        renstra_target=Decimal(0))
    validated(org, entry_round, org.division_x, org.staff_x, org.kabid_x, {x1: "8", x2: "12"})
    validated(org, entry_round, org.division_y, org.staff_y, org.kabid_y, {y1: "0"})
    validated(org, entry_round, org.secretariat, org.staff_secretariat, org.secretary,
              {s1: "10"})
    return fresh(entry_round)


def _download(client, person, url):
    client.force_login(person.user)
    response = client.get(url)
    assert response.status_code == 200
    return response, load_workbook(io.BytesIO(response.content))


def _rows_by_code(sheet, first_row):
    return {sheet[f"A{row}"].value: row for row in range(first_row, sheet.max_row + 1)
            if sheet[f"H{row}"].value is not None}


def _by_hand(target, realisation, polarity):
    """The formula's arithmetic, for the fixture's numbers (no range targets)."""
    if target == 0:
        return 100 if polarity == Polarity.NEGATIVE and realisation == 0 else None
    if polarity == Polarity.NEGATIVE:
        return (2 * target - realisation) / target * 100
    return realisation / target * 100


def test_agency_recap_workbook(client, org, mixed_round):
    url = reverse("collection:agency_recap_download", args=[mixed_round.id])
    response, book = _download(client, org.head, url)
    assert response["Content-Disposition"] == 'attachment; filename="rekap-opd-2026-Q3.xlsx"'
    assert book.sheetnames == ["Rekap", "LKjIP"]
    sheet = book["Rekap"]
    assert sheet.freeze_panes == "C6"
    assert sheet["A5"].value == "Kode" and sheet["A5"].font.bold
    app = {row.indicator.code: row for row in recap.agency_recap(mixed_round).rows}
    lines = _rows_by_code(sheet, exports.RECAP_HEADER_ROW + 1)
    assert set(lines) == {"X1", "X2", "Y1", "S1"}  # the head sees every unit once submitted
    for code, line in lines.items():
        row = app[code]
        target, realisation = sheet[f"E{line}"].value, sheet[f"G{line}"].value
        assert Decimal(str(target)) == row.target.value
        assert Decimal(str(realisation)) == row.realisation
        assert sheet[f"E{line}"].number_format == "#,##0.00"
        formula = sheet[f"H{line}"].value
        assert formula.startswith("=") and f"E{line}" in formula and f"G{line}" in formula
        assert formula == exports.achievement_formula(line, row.indicator.polarity,
                                                      ranged=False)
        assert sheet[f"I{line}"].value.startswith("=IF(ISNUMBER(H")
        assert _by_hand(target, realisation, row.indicator.polarity) == pytest.approx(
            float(row.achievement.percent))
    assert app["Y1"].achievement.percent == 100  # negative, target 0 and realisation 0
    y1 = lines["Y1"]
    assert f'IF(G{y1}=0,100,"tidak dapat dihitung")' in sheet[f"H{y1}"].value
    assert '"Sangat Tinggi"' in sheet[f"I{lines['X1']}"].value


def test_lkjip_sheet_has_the_renstra_end_target(client, org, mixed_round):
    url = reverse("collection:lkjip_download", args=[mixed_round.id])
    response, book = _download(client, org.head, url)
    assert response["Content-Disposition"] == 'attachment; filename="lkjip-2026-Q3.xlsx"'
    sheet = book["LKjIP"]
    assert sheet["B4"].value == "Sasaran Strategis"
    assert sheet["B5"].value == "S1 Sasaran 1"
    indicators = {sheet[f"C{row}"].value: row for row in range(5, sheet.max_row + 1)}
    line = indicators["Indikator X1"]
    assert (sheet[f"E{line}"].value, sheet[f"F{line}"].value) == (10, 8)
    assert sheet[f"G{line}"].value.startswith("=") and f"F{line}/E{line}*100" in sheet[
        f"G{line}"].value
    assert sheet[f"H{line}"].value is None  # a quarter round: no previous year column
    assert sheet[f"I{line}"].value == 10  # Renstra target of 2026, the period's last year
    assert sheet[f"I{indicators['Indikator Y1']}"].value == 0


def test_unit_recap_workbook_and_visibility(client, org, mixed_round):
    track = mixed_round.tracks.get(unit=org.division_x)
    url = reverse("collection:track_recap_download", args=[mixed_round.id, track.id])
    response, book = _download(client, org.staff_x, url)
    assert response["Content-Disposition"] == (
        f'attachment; filename="rekap-{org.division_x.code}-2026-Q3.xlsx"')
    assert set(_rows_by_code(book["Rekap"], 6)) == {"X1", "X2"}
    # The agency recap of a unit's staff holds its own unit's rows only.
    _, book = _download(client, org.staff_x,
                        reverse("collection:agency_recap_download", args=[mixed_round.id]))
    assert set(_rows_by_code(book["Rekap"], 6)) == {"X1", "X2"}


def test_pages_link_the_downloads(client, org, mixed_round):
    client.force_login(org.head.user)
    page = client.get(reverse("collection:agency_recap", args=[mixed_round.id])).content.decode()
    assert reverse("collection:agency_recap_download", args=[mixed_round.id]) in page
    assert reverse("collection:lkjip_download", args=[mixed_round.id]) in page
    track = mixed_round.tracks.get(unit=org.division_x)
    client.force_login(org.staff_x.user)
    page = client.get(reverse("collection:track_detail",
                              args=[mixed_round.id, track.id])).content.decode()
    assert reverse("collection:track_recap_download", args=[mixed_round.id, track.id]) in page


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_computes_the_apps_achievement(org, mixed_round, tmp_path):
    rows = recap.agency_recap(mixed_round).rows
    source = tmp_path / "rekap.xlsx"
    source.write_bytes(exports.agency_recap_workbook(rows, mixed_round))
    out = tmp_path / "out"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=120)
    sheet = load_workbook(out / "rekap.xlsx", data_only=True)["Rekap"]
    lines = {sheet[f"A{row}"].value: row for row in range(6, sheet.max_row + 1)}
    for row in rows:
        line = lines[row.indicator.code]
        assert sheet[f"H{line}"].value == pytest.approx(float(row.achievement.percent))
        assert sheet[f"I{line}"].value == row.category.label
