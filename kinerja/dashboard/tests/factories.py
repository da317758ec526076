"""An agency with its rounds, built with bulk_create for the dashboard's query counts (the
test and bench/dashboard_queries.py): as bench/recap_scale.py builds its regency, smaller.

Per agency: a root unit and `units` Bidang, each with a Kabid and a staff member, and the
head; the seed SOP; a catalogue of `indicators` per Bidang; `finalised` finalised quarters
with steps 1–9 done (each with its working minutes) and a finalised recap of every row; and
one open round, at data entry (step 5 waiting on every unit, due tomorrow)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

SOP_FILE = (
    Path(__file__).resolve().parents[2] / "sops/data/sop-mekanisme-pengumpulan-data-kinerja.yaml"
)


@dataclass
class BuiltAgency:
    agency_id: int
    head_user_id: int
    open_round_id: int


def build_agency(
    code: str, *, units: int, finalised: int, indicators: int = 2, year: int = 2025
) -> BuiltAgency:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from kinerja.accounts.models import User
    from kinerja.catalogue.models import (
        Goal,
        Indicator,
        IndicatorYearTarget,
        Objective,
        RenstraPeriod,
    )
    from kinerja.collection.models import (
        DataRequestFormat,
        FinalisedRecap,
        FinalisedRow,
        FormatItem,
        Round,
        StepExecution,
        Track,
    )
    from kinerja.organisation.models import (
        Agency,
        NumberKind,
        Person,
        Position,
        PositionHolding,
        Unit,
    )
    from kinerja.sops.services import sop_load

    assert 0 <= finalised <= 4
    now = timezone.now()
    password = make_password(None)
    with transaction.atomic():
        agency = Agency.objects.create(
            code=code,
            name=f"Badan {code}",
            short_name=code,
            government_name="Pemerintah Kabupaten Bench",
        )
        root = Unit.objects.create(agency=agency, kind="agency", code="root", name=agency.name)
        bidang = Unit.objects.bulk_create(
            Unit(
                agency=agency,
                parent=root,
                kind="division",
                code=f"bidang-{u}",
                name=f"Bidang Pengembangan Nomor {u}",
                order=u,
            )
            for u in range(units)
        )
        users = User.objects.bulk_create(
            User(username=f"{code}-{role}-{u}", password=password)
            for u in range(units)
            for role in ("kabid", "staff")
        )
        head_user = User.objects.create(username=f"{code}-head", password=password)
        people = Person.objects.bulk_create(
            Person(
                agency=agency,
                user=user,
                name=user.username,
                number_kind=NumberKind.NONE,
                employee_number=None,
            )
            for user in [head_user, *users]
        )
        positions = Position.objects.bulk_create(
            [Position(unit=root, kind="head", title=f"Kepala {agency.name}")]
            + [
                Position(unit=unit, kind=kind, title=f"{kind} {unit.name}")
                for unit in bidang
                for kind in ("division_head", "staff")
            ]
        )
        PositionHolding.objects.bulk_create(
            PositionHolding(person=person, position=position)
            for person, position in zip(people, positions, strict=True)
        )
        version = sop_load(
            agency=agency, text=SOP_FILE.read_text(encoding="utf-8"), source_name=SOP_FILE.name
        ).version
        steps = list(version.steps.order_by("number"))
        period = RenstraPeriod.objects.create(
            agency=agency, name=f"Renstra {code}", start_year=2021, end_year=2026
        )
        goal = Goal.objects.create(period=period, code="T1", text="Tujuan 1")
        objectives = Objective.objects.bulk_create(
            Objective(goal=goal, code=f"S{o}", text=f"Sasaran {o}", order=o) for o in range(2)
        )
        catalogue = Indicator.objects.bulk_create(
            Indicator(
                period=period,
                objective=objectives[i % 2],
                code=f"IK{u}.{i}",
                name=f"Indikator {u}.{i}",
                unit_of_measure="dokumen",
                responsible_unit=unit,
                order=i,
            )
            for u, unit in enumerate(bidang)
            for i in range(indicators)
        )
        IndicatorYearTarget.objects.bulk_create(
            IndicatorYearTarget(indicator=indicator, year=year, renstra_target=Decimal(10))
            for indicator in catalogue
        )
        periods = [f"Q{n}" for n in range(1, finalised + 2)]
        rounds = Round.objects.bulk_create(
            Round(
                agency=agency,
                sop=version.sop,
                sop_version=version,
                year=year,
                period=p,
                status="open" if p == periods[-1] else "finalised",
                finalised_at=None if p == periods[-1] else now,
            )
            for p in periods
        )
        open_round = rounds[-1]
        tracks = Track.objects.bulk_create(
            Track(round=round_, unit=unit, stage=0 if round_ is open_round else 3)
            for round_ in rounds
            for unit in bidang
        )
        formats = DataRequestFormat.objects.bulk_create(
            DataRequestFormat(
                round=round_,
                number=1,
                due_date=date(year, 12, 31),
                created_by=people[0],
                finalised_at=now,
            )
            for round_ in rounds
        )
        FormatItem.objects.bulk_create(
            FormatItem(format=data_format, unit=indicator.responsible_unit, indicator=indicator)
            for data_format in formats
            for indicator in catalogue
        )
        executions = []
        for round_ in rounds:
            waiting = round_ is open_round
            at = now - timedelta(days=5 if waiting else 90)
            for step in steps:
                if waiting and step.number > 5:
                    break
                is_open = waiting and step.number == 5
                for track in (
                    [t for t in tracks if t.round_id == round_.id]
                    if step.scope == "per_unit"
                    else [None]
                ):
                    executions.append(
                        StepExecution(
                            round=round_,
                            track=track,
                            step=step,
                            status="open" if is_open else "done",
                            assigned_at=at,
                            due_at=at + timedelta(days=1),
                            started_at=None if is_open else at,
                            completed_at=None if is_open else at + timedelta(hours=2),
                            working_minutes=None if is_open else 60 + 7 * step.number,
                            outcome="" if is_open else "done",
                        )
                    )
                at += timedelta(days=1)
        StepExecution.objects.bulk_create(executions)
        recaps = FinalisedRecap.objects.bulk_create(
            FinalisedRecap(round=round_, number=1, finalised_at=now, quarter_rule="default")
            for round_ in rounds
            if round_ is not open_round
        )
        FinalisedRow.objects.bulk_create(
            FinalisedRow(
                recap=recap,
                position=position,
                unit=indicator.responsible_unit,
                unit_name=indicator.responsible_unit.name,
                indicator=indicator,
                indicator_code=indicator.code,
                indicator_name=indicator.name,
                unit_of_measure="dokumen",
                data_type="number",
                decimals=2,
                polarity="positive",
                aggregation="last",
                goal_key=goal.id,
                goal_code="T1",
                goal_text=goal.text,
                objective_key=indicator.objective.id,
                objective_code=indicator.objective.code,
                objective_text=indicator.objective.text,
                target=Decimal(10),
                value=Decimal(5 + position % 7),
                realisation=str(5 + position % 7),
                achievement=str((5 + position % 7) * 10),
                category_code="very_high" if 5 + position % 7 >= 10 else "low",
                category_label="",
            )
            for recap in recaps
            for position, indicator in enumerate(catalogue)
        )
    return BuiltAgency(agency.id, head_user.id, open_round.id)
