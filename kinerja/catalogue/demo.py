"""The demo catalogues: a Renstra 2021–2026 for a regional planning agency (Bappeda & Litbang)
and a small one for a communications, informatics and statistics agency (Diskominfo).

The indicators and their values are realistic but fictional. Each catalogue goes in through the
same workbook import an agency uses, so the demo also proves the import.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from kinerja.core.errors import DomainError
from kinerja.organisation.models import REPORTING_UNIT_KINDS, Agency, Unit

from .choices import Aggregation, DataType, Polarity
from .exporter import write_workbook
from .importer import CatalogueRow, YearTargets
from .models import IndicatorYearTarget, RenstraPeriod
from .services import catalogue_import

START_YEAR, END_YEAR = 2021, 2026
BASELINE_YEAR = 2020
PK_YEARS = (2025, 2026)


@dataclass(frozen=True)
class DemoCatalogue:
    """An agency's demo Renstra. `indicators` rows: (code, name, unit of measure, data type,
    decimals, polarity, aggregation, unit code, baseline 2020, Renstra targets 2021..2026 (a
    "low–high" string is a range), IKU); an indicator "Ix.y.z" belongs to objective "Sx.y".
    `pk_different`: performance agreements that differ from the Renstra, by (code, year);
    `quarter_targets`: the four quarters' targets (year to date for sum indicators)."""

    unit_codes: tuple[str, ...]
    goals: dict[str, str]
    objectives: dict[str, tuple[str, str]]
    indicators: list[tuple]
    pk_different: dict[tuple[str, int], str] = field(default_factory=dict)
    quarter_targets: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)


P, N = Polarity.POSITIVE, Polarity.NEGATIVE
SUM, LAST, AVG = Aggregation.SUM, Aggregation.LAST, Aggregation.AVERAGE
PCT, NUM, IDX, CUR = DataType.PERCENT, DataType.NUMBER, DataType.INDEX, DataType.CURRENCY

# -- Bappeda & Litbang ------------------------------------------------------------------------

BAPPEDA_UNITS = ("sekretariat", "bidang-p2ep", "bidang-ppm", "bidang-ekonomi",
                 "bidang-litbang")

BAPPEDA_GOALS = {
    "T1": "Meningkatnya kualitas perencanaan pembangunan daerah yang partisipatif dan "
          "terintegrasi",
    "T2": "Meningkatnya efektivitas pengendalian dan evaluasi pembangunan daerah",
    "T3": "Meningkatnya kualitas pembangunan manusia dan tata kelola pemerintahan daerah",
    "T4": "Meningkatnya pertumbuhan ekonomi daerah yang inklusif dan berwawasan lingkungan",
    "T5": "Meningkatnya pemanfaatan hasil penelitian, pengembangan dan inovasi daerah",
    "T6": "Meningkatnya akuntabilitas kinerja dan kualitas pelayanan internal perangkat daerah",
}
BAPPEDA_OBJECTIVES = {
    "S1.1": ("T1", "Meningkatnya kualitas dan ketepatan waktu dokumen perencanaan pembangunan "
                   "daerah"),
    "S1.2": ("T1", "Meningkatnya keselarasan perencanaan dan penganggaran pembangunan daerah"),
    "S2.1": ("T2", "Meningkatnya kualitas pengendalian dan evaluasi pelaksanaan pembangunan"),
    "S2.2": ("T2", "Tersedianya data dan informasi pembangunan yang akurat dan mutakhir"),
    "S3.1": ("T3", "Menurunnya kemiskinan dan meningkatnya kualitas sumber daya manusia"),
    "S3.2": ("T3", "Meningkatnya kualitas perencanaan bidang pemerintahan dan pembangunan "
                   "manusia"),
    "S4.1": ("T4", "Meningkatnya kinerja perekonomian daerah"),
    "S4.2": ("T4", "Meningkatnya kualitas perencanaan infrastruktur dan kewilayahan"),
    "S5.1": ("T5", "Meningkatnya kualitas dan pemanfaatan hasil penelitian dan pengembangan"),
    "S5.2": ("T5", "Meningkatnya jumlah dan kualitas inovasi daerah"),
    "S6.1": ("T6", "Meningkatnya akuntabilitas kinerja dan keuangan perangkat daerah"),
    "S6.2": ("T6", "Meningkatnya kualitas pelayanan administrasi dan sumber daya aparatur"),
}

BAPPEDA_INDICATORS = [
    ("I1.1.1", "Persentase dokumen perencanaan yang ditetapkan tepat waktu", "%", PCT, 2, P,
     LAST, "bidang-p2ep", "80", ["85", "87.5", "90", "92.5", "95", "100"], True),
    ("I1.1.2", "Jumlah dokumen perencanaan yang disusun", "dokumen", NUM, 0, P, SUM,
     "bidang-p2ep", "5", ["5", "5", "6", "5", "6", "7"], False),
    ("I1.1.3", "Indeks kepuasan layanan perencanaan", "indeks", IDX, 2, P, AVG, "bidang-p2ep",
     "76.5", ["77", "78", "79", "80", "81", "82"], False),
    ("I1.2.1", "Persentase keselarasan program RKPD dengan RPJMD", "%", PCT, 2, P, LAST,
     "bidang-p2ep", "82", ["85", "88", "90", "92", "95", "97"], True),
    ("I1.2.2", "Persentase usulan Musrenbang yang diakomodasi dalam RKPD", "%", PCT, 2, P,
     LAST, "bidang-p2ep", "32", ["35", "38", "40", "42", "45", "50"], False),
    ("I1.2.3", "Jumlah forum konsultasi publik dan Musrenbang yang dilaksanakan", "kegiatan",
     NUM, 0, P, SUM, "bidang-p2ep", "26", ["26", "27", "27", "28", "28", "29"], False),
    ("I2.1.1", "Persentase perangkat daerah yang menyampaikan laporan kinerja triwulan tepat "
     "waktu", "%", PCT, 2, P, LAST, "bidang-p2ep", "70", ["75", "80", "85", "90", "95", "100"],
     True),
    ("I2.1.2", "Jumlah laporan pengendalian dan evaluasi pembangunan", "laporan", NUM, 0, P,
     SUM, "bidang-p2ep", "5", ["5", "5", "5", "6", "6", "6"], False),
    ("I2.1.3", "Persentase deviasi realisasi fisik dan keuangan kegiatan perangkat daerah",
     "%", PCT, 2, N, AVG, "bidang-p2ep", "12", ["11", "10", "9", "8", "7", "6"], False),
    ("I2.1.4", "Persentase rekomendasi hasil evaluasi yang ditindaklanjuti perangkat daerah",
     "%", PCT, 2, P, LAST, "bidang-p2ep", "55", ["60", "65", "70", "75", "80", "85"], False),
    ("I2.2.1", "Persentase ketersediaan data pembangunan yang mutakhir", "%", PCT, 2, P, LAST,
     "bidang-p2ep", "65", ["70", "75", "80", "85", "90", "95"], False),
    ("I2.2.2", "Nilai Evaluasi Penyelenggaraan Statistik Sektoral (EPSS)", "indeks", IDX, 2, P,
     LAST, "bidang-p2ep", "1.85", ["2", "2.2", "2.4", "2.6", "2.8", "3"], False),
    ("I3.1.1", "Persentase penduduk miskin", "%", PCT, 2, N, LAST, "bidang-ppm", "8.34",
     ["8.1", "7.85", "7.6", "7.35", "7.1", "6.85"], True),
    ("I3.1.2", "Indeks Pembangunan Manusia (IPM)", "indeks", IDX, 2, P, LAST, "bidang-ppm",
     "71.12", ["71.4", "71.8", "72.2", "72.6", "73", "73.4"], True),
    ("I3.1.3", "Prevalensi balita stunting", "%", PCT, 2, N, LAST, "bidang-ppm", "24.6",
     ["22", "20", "18", "16", "14", "12"], False),
    ("I3.1.4", "Indeks Gini", "indeks", IDX, 3, N, LAST, "bidang-ppm", "0.318",
     ["0.316", "0.314", "0.312", "0.31", "0.308", "0.305"], False),
    ("I3.2.1", "Persentase program prioritas bidang pemerintahan dan pembangunan manusia yang "
     "terakomodasi dalam RKPD", "%", PCT, 2, P, LAST, "bidang-ppm", "75",
     ["78", "80", "83", "85", "88", "90"], False),
    ("I3.2.2", "Jumlah dokumen perencanaan sektoral bidang pemerintahan dan pembangunan "
     "manusia", "dokumen", NUM, 0, P, SUM, "bidang-ppm", "3", ["3", "3", "4", "4", "4", "5"],
     False),
    # A growth rate can fall below 0: a number with the unit %, not a percent share.
    ("I4.1.1", "Laju pertumbuhan ekonomi", "%", NUM, 2, P, LAST, "bidang-ekonomi", "1.05",
     ["4.5", "5", "5.25", "5.5", "5.75", "6"], True),
    ("I4.1.2", "Tingkat pengangguran terbuka", "%", PCT, 2, N, LAST, "bidang-ekonomi", "4.12",
     ["4", "3.9", "3.8", "3.7", "3.4–3.6", "3.2–3.5"], True),
    ("I4.1.3", "PDRB per kapita atas dasar harga berlaku", "juta rupiah", CUR, 2, P, LAST,
     "bidang-ekonomi", "78.5", ["80", "84", "88", "92", "96", "100"], False),
    ("I4.2.1", "Persentase jalan kabupaten dalam kondisi mantap", "%", PCT, 2, P, LAST,
     "bidang-ekonomi", "60.5", ["62", "64", "66", "68", "70", "72"], False),
    ("I4.2.2", "Persentase kesesuaian program pembangunan dengan rencana tata ruang wilayah",
     "%", PCT, 2, P, LAST, "bidang-ekonomi", "70", ["72", "75", "78", "80", "83", "85"], False),
    ("I4.2.3", "Jumlah dokumen perencanaan sektoral bidang perekonomian, infrastruktur dan "
     "kewilayahan", "dokumen", NUM, 0, P, SUM, "bidang-ekonomi", "3",
     ["3", "4", "4", "4", "5", "5"], False),
    ("I5.1.1", "Persentase rekomendasi hasil penelitian yang ditindaklanjuti", "%", PCT, 2, P,
     LAST, "bidang-litbang", "30", ["35", "40", "45", "50", "55", "60"], True),
    ("I5.1.2", "Jumlah kajian dan penelitian yang diselesaikan", "kajian", NUM, 0, P, SUM,
     "bidang-litbang", "4", ["4", "5", "5", "6", "6", "6"], False),
    ("I5.1.3", "Indeks kepuasan pengguna hasil penelitian", "indeks", IDX, 2, P, AVG,
     "bidang-litbang", "74", ["75", "76", "77", "78", "79", "80"], False),
    ("I5.2.1", "Jumlah inovasi daerah", "inovasi", NUM, 0, P, SUM, "bidang-litbang", "12",
     ["15", "20", "25", "30", "35", "40"], True),
    ("I5.2.2", "Indeks Inovasi Daerah", "skor", IDX, 2, P, LAST, "bidang-litbang", "38.5",
     ["40", "45", "50", "55", "60", "65"], False),
    ("I5.2.3", "Persentase inovasi daerah yang diterapkan secara berkelanjutan", "%", PCT, 2,
     P, LAST, "bidang-litbang", "40", ["45", "50", "55", "60", "65", "70"], False),
    ("I6.1.1", "Nilai SAKIP Bappeda & Litbang", "nilai", IDX, 2, P, LAST, "sekretariat",
     "61.2", ["62", "64", "66", "68", "70", "72"], True),
    ("I6.1.2", "Persentase realisasi anggaran", "%", PCT, 2, P, LAST, "sekretariat", "88",
     ["90", "92", "93", "94", "95", "96"], False),
    # Target 0 in the last year: a lower-is-better count whose goal is "none left".
    ("I6.1.3", "Jumlah temuan hasil pemeriksaan yang belum ditindaklanjuti", "temuan", NUM, 0,
     N, LAST, "sekretariat", "6", ["5", "4", "3", "2", "1", "0"], False),
    ("I6.1.4", "Persentase laporan kinerja dan keuangan yang disampaikan tepat waktu", "%",
     PCT, 2, P, LAST, "sekretariat", "85", ["90", "92", "95", "97", "100", "100"], False),
    ("I6.2.1", "Indeks kepuasan layanan administrasi perkantoran", "indeks", IDX, 2, P, AVG,
     "sekretariat", "78", ["79", "80", "81", "82", "83", "84"], False),
    ("I6.2.2", "Persentase ASN yang mengikuti pengembangan kompetensi", "%", PCT, 2, P, LAST,
     "sekretariat", "40", ["45", "50", "55", "60", "65", "70"], False),
    ("I6.2.3", "Jumlah dokumen perencanaan dan pelaporan kinerja perangkat daerah yang "
     "disusun", "dokumen", NUM, 0, P, SUM, "sekretariat", "6", ["6", "6", "6", "6", "6", "7"],
     False),
]

# Performance agreements that differ from the Renstra (the head agreed a stretch target).
BAPPEDA_PK_DIFFERENT = {("I1.2.2", 2025): "44", ("I3.1.1", 2025): "7.3",
                        ("I5.2.1", 2026): "42"}

# Quarter targets (year to date for sum indicators), from the agency's action plan.
BAPPEDA_QUARTER_TARGETS = {
    ("I1.1.2", 2025): ("1", "3", "4", "6"),
    ("I2.1.2", 2025): ("1", "3", "4", "6"),
    ("I5.1.2", 2025): ("1", "2", "4", "6"),
    ("I5.2.1", 2025): ("5", "12", "20", "35"),
    ("I6.1.2", 2025): ("20", "45", "70", "94"),
    ("I6.1.2", 2026): ("20", "45", "70", "96"),
}

BAPPEDA = DemoCatalogue(BAPPEDA_UNITS, BAPPEDA_GOALS, BAPPEDA_OBJECTIVES, BAPPEDA_INDICATORS,
                        BAPPEDA_PK_DIFFERENT, BAPPEDA_QUARTER_TARGETS)

# -- Diskominfo -------------------------------------------------------------------------------

KOMINFO = DemoCatalogue(
    unit_codes=("sekretariat", "bidang-statistik"),
    goals={
        "T1": "Meningkatnya tata kelola pemerintahan berbasis elektronik dan kualitas "
              "pelayanan informasi publik",
        "T2": "Meningkatnya ketersediaan data statistik sektoral dan keamanan informasi "
              "pemerintah daerah",
    },
    objectives={
        "S1.1": ("T1", "Meningkatnya penerapan Sistem Pemerintahan Berbasis Elektronik (SPBE) "
                       "di perangkat daerah"),
        "S1.2": ("T1", "Meningkatnya kualitas penanganan pengaduan masyarakat"),
        "S2.1": ("T2", "Meningkatnya ketersediaan dan pemanfaatan data statistik sektoral"),
        "S2.2": ("T2", "Meningkatnya keamanan informasi dan persandian pemerintah daerah"),
    },
    indicators=[
        ("I1.1.1", "Persentase perangkat daerah yang menerapkan SPBE", "%", PCT, 2, P, LAST,
         "sekretariat", "45", ["50", "60", "70", "80", "90", "100"], True),
        ("I1.2.1", "Persentase pengaduan masyarakat yang ditindaklanjuti", "%", PCT, 2, P,
         LAST, "sekretariat", "72", ["75", "80", "85", "90", "95", "100"], True),
        ("I1.2.2", "Rata-rata waktu tindak lanjut pengaduan masyarakat", "hari", NUM, 1, N,
         AVG, "sekretariat", "9.5", ["9", "8", "7", "6", "5.5", "5"], False),
        ("I2.1.1", "Jumlah data sektoral yang dipublikasikan di portal Satu Data", "dataset",
         NUM, 0, P, SUM, "bidang-statistik", "120",
         ["150", "200", "250", "300", "350", "400"], True),
        ("I2.2.1", "Indeks keamanan informasi (Indeks KAMI)", "skor", IDX, 0, P, LAST,
         "bidang-statistik", "310", ["330", "360", "390", "420", "450", "480"], False),
        ("I2.2.2", "Persentase perangkat daerah yang menggunakan sertifikat elektronik", "%",
         PCT, 2, P, LAST, "bidang-statistik", "20", ["30", "40", "55", "70", "85", "100"],
         False),
    ],
    pk_different={("I2.2.1", 2026): "500"},
    quarter_targets={
        ("I2.1.1", 2025): ("60", "150", "250", "350"),
        ("I2.1.1", 2026): ("70", "170", "280", "400"),
    },
)


def _target(text: str) -> tuple[Decimal, Decimal | None]:
    low, _, high = text.partition("–")
    return Decimal(low), Decimal(high) if high else None


def demo_rows(catalogue: DemoCatalogue = BAPPEDA) -> list[CatalogueRow]:
    rows = []
    for (code, name, measure, data_type, decimals, polarity, aggregation, unit_code, baseline,
         targets, is_iku) in catalogue.indicators:
        objective_code = "S" + code[1:].rsplit(".", 1)[0]
        goal_code, objective_text = catalogue.objectives[objective_code]
        year_targets = {}
        for year, text in zip(range(START_YEAR, END_YEAR + 1), targets, strict=True):
            renstra, renstra_max = _target(text)
            pk, pk_max = (None, None)
            if year in PK_YEARS:
                pk, pk_max = _target(catalogue.pk_different.get((code, year), text))
            year_targets[year] = YearTargets(renstra, renstra_max, pk, pk_max)
        rows.append(CatalogueRow(
            goal_code=goal_code, goal_text=catalogue.goals[goal_code],
            objective_code=objective_code, objective_text=objective_text, code=code,
            name=name, unit_of_measure=measure, data_type=data_type, decimals=decimals,
            polarity=polarity, aggregation=aggregation, unit_code=unit_code,
            baseline=Decimal(baseline), baseline_year=BASELINE_YEAR, is_iku=is_iku,
            targets=year_targets))
    return rows


@transaction.atomic
def demo_catalogue(*, agency: Agency, catalogue: DemoCatalogue = BAPPEDA) -> RenstraPeriod:
    """Create (or bring back to its demo state) the agency's Renstra 2021–2026 catalogue:
    `catalogue`, the demo Bappeda's unless another is given.

    Needs the catalogue's reporting units (`unit_codes`). Running it again changes nothing."""
    found = set(Unit.objects.filter(agency=agency, code__in=catalogue.unit_codes,
                                    kind__in=REPORTING_UNIT_KINDS).values_list("code", flat=True))
    missing = sorted(set(catalogue.unit_codes) - found)
    if missing:
        raise DomainError(f"The demo catalogue needs the reporting units {', '.join(missing)}.",
                          code="demo_units_missing")
    period, _created = RenstraPeriod.objects.get_or_create(
        agency=agency, start_year=START_YEAR, end_year=END_YEAR,
        defaults={"name": f"Renstra {agency.short_name} {START_YEAR}–{END_YEAR}"})
    catalogue_import(agency=agency, period=period,
                     file=write_workbook(period, demo_rows(catalogue)),
                     source_name="demo catalogue")
    for (code, year), quarters in catalogue.quarter_targets.items():
        target = IndicatorYearTarget.objects.get(indicator__period=period,
                                                 indicator__code=code, year=year)
        wanted = [Decimal(value) for value in quarters]
        if [target.q1_target, target.q2_target, target.q3_target, target.q4_target] != wanted:
            target.q1_target, target.q2_target, target.q3_target, target.q4_target = wanted
            target.full_clean()
            target.save()
    return period
