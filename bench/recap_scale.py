"""Recap, data entry and task list at the scale of a whole regency, in one database.

    .venv/bin/python bench/recap_scale.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/recap_scale.py

Builds a throw-away database (an SQLite file under /tmp, or a database kinerja_bench_<pid> on
the PostgreSQL server DATABASE_URL names), fills it with bulk_create at the regency scale of
docs/domain.md §9 (45 agencies × 10 reporting units × 30 indicators × 5 periods = 67,500 values),
then times three reads and writes against a floor measured in the same run on the same data:

1. `agency_recap(round)` of one agency's Q4 round, against one raw SQL aggregate;
2. `values_save` of one value (locks, version check, history, audit), against one raw UPDATE;
3. `task_list_for_viewer` of a unit's staff member, against the raw SELECT of the open steps.

Each is measured first with 10 agencies in the database, then with all of them: the number of
queries must stay the same (exit status 1 otherwise). See bench/README.md for reading the ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALL_PERIODS = ["Q1", "Q2", "Q3", "Q4", "Y"]
# Which periods --periods N keeps: Q4 (the measured round) first, then the quarters before it.
PERIOD_PRIORITY = ["Q4", "Q3", "Q2", "Q1", "Y"]
SOP_FILE = ROOT / "kinerja/sops/data/sop-mekanisme-pengumpulan-data-kinerja.yaml"
FIRST_STAGE = 10  # agencies in the database at the first measurement


# -- the throw-away database -------------------------------------------------------------------

@dataclass
class Database:
    label: str
    cleanup: Callable[[], None]


def release(database: Database) -> None:
    """Close Django's connections (when it was set up), then drop or keep the database."""
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()
    database.cleanup()


def prepare_database(keep: bool) -> Database:
    """Point the settings at a new, empty database before django.setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "kinerja.test_settings"
    os.environ["DEBUG"] = "0"  # no query log while timing; CaptureQueriesContext still counts
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    tmp = tempfile.mkdtemp(prefix="kinerja-bench-", dir="/tmp")
    os.environ["KINERJA_DATA_DIR"] = tmp  # media (none written) and the SQLite file
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        def drop_sqlite() -> None:
            if keep:
                print(f"kept {tmp}/kinerja.sqlite3")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        return Database(f"sqlite {tmp}/kinerja.sqlite3", drop_sqlite)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL server; leave it unset for SQLite.")
    import psycopg

    name = f"kinerja_bench_{os.getpid()}"
    parts = urlsplit(url)
    server = urlunsplit(parts._replace(path="/" + (parts.path.strip("/") or "postgres")))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + name))

    def drop_postgres() -> None:
        shutil.rmtree(tmp, ignore_errors=True)
        if keep:
            print(f"kept database {name}")
            return
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return Database(f"postgresql {parts.hostname}:{parts.port or 5432}/{name}", drop_postgres)


# -- the data ----------------------------------------------------------------------------------

@dataclass
class Scale:
    agencies: int
    units: int
    indicators: int  # per reporting unit
    periods: list[str]
    year: int


@dataclass
class Built:
    """What the measurements need of the first agency."""

    agency_ids: list[int] = field(default_factory=list)
    round_id: int = 0
    track_id: int = 0
    value_id: int = 0
    indicator_id: int = 0
    staff_user_id: int = 0
    values: int = 0


def build_agencies(scale: Scale, first: int, count: int, built: Built, rng: random.Random):
    """Agencies first..first+count-1 with everything a year of rounds holds."""
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
        CollectionSettings,
        DataRequestFormat,
        Disposition,
        FormatItem,
        IndicatorValue,
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

    sop_text = SOP_FILE.read_text(encoding="utf-8")
    password = make_password(None)
    year = scale.year
    now = timezone.now()
    for index in range(first, first + count):
        with transaction.atomic():
            agency = Agency.objects.create(
                code=f"bench-{index}", name=f"Badan Bench {index}", short_name=f"Bench {index}",
                government_name="Pemerintah Kabupaten Bench")
            built.agency_ids.append(agency.id)
            root = Unit.objects.create(agency=agency, kind="agency", code="root",
                                       name=agency.name)
            units = Unit.objects.bulk_create(
                Unit(agency=agency, parent=root, kind="division", code=f"bidang-{u}",
                     name=f"Bidang {u}", order=u) for u in range(scale.units))
            users = User.objects.bulk_create(
                User(username=f"bench-{index}-{role}-{u}", password=password)
                for u in range(scale.units) for role in ("kabid", "staff"))
            head_user = User.objects.create(username=f"bench-{index}-head", password=password)
            people = Person.objects.bulk_create(
                Person(agency=agency, user=user, name=user.username,
                       number_kind=NumberKind.NONE, employee_number=None)
                for user in [head_user, *users])
            head = people[0]
            positions = Position.objects.bulk_create(
                [Position(unit=root, kind="head", title=f"Kepala {agency.name}")]
                + [Position(unit=unit, kind=kind, title=f"{kind} {unit.name}")
                   for unit in units for kind in ("division_head", "staff")])
            # people[1:] and positions[1:] are both (kabid, staff) per unit, in unit order.
            PositionHolding.objects.bulk_create(
                PositionHolding(person=person, position=position)
                for person, position in zip(people, positions, strict=True))
            if index == 0:
                built.staff_user_id = users[1].id  # staff of Bidang 0
            CollectionSettings.objects.create(agency=agency)
            version = sop_load(agency=agency, text=sop_text, source_name=SOP_FILE.name).version
            sop = version.sop
            steps = list(version.steps.order_by("number"))

            # The catalogue: Renstra 2021–2026, 2 goals × 3 objectives, the units' indicators.
            period = RenstraPeriod.objects.create(
                agency=agency, name=f"Renstra {agency.name} 2021–2026", start_year=2021,
                end_year=2026)
            goals = Goal.objects.bulk_create(
                Goal(period=period, code=f"T{g}", text=f"Tujuan {g}", order=g) for g in range(2))
            objectives = Objective.objects.bulk_create(
                Objective(goal=goal, code=f"S{g}.{o}", text=f"Sasaran {g}.{o}", order=o)
                for g, goal in enumerate(goals) for o in range(3))
            indicators = Indicator.objects.bulk_create(
                Indicator(period=period, objective=objectives[(u * scale.indicators + i)
                                                             % len(objectives)],
                          code=f"IK{u:02d}.{i:03d}", name=f"Indikator {u}.{i}",
                          unit_of_measure="%" if i % 3 == 0 else "dokumen",
                          data_type="percent" if i % 3 == 0 else "number",
                          aggregation="sum" if i % 3 == 1 else "last",
                          polarity="negative" if i % 7 == 6 else "positive",
                          responsible_unit=unit, is_iku=i < 3, order=i)
                for u, unit in enumerate(units) for i in range(scale.indicators))
            IndicatorYearTarget.objects.bulk_create(
                IndicatorYearTarget(
                    indicator=indicator, year=target_year, renstra_target=Decimal(80),
                    pk_target=Decimal(85), q1_target=Decimal(20), q2_target=Decimal(40),
                    q3_target=Decimal(60), q4_target=Decimal(80))
                for indicator in indicators for target_year in period.years)
            by_unit: dict[int, list] = {}
            for indicator in indicators:
                by_unit.setdefault(indicator.responsible_unit_id, []).append(indicator)

            # A year of rounds: Q4 open at data entry (step 5), the other periods finalised.
            rounds = Round.objects.bulk_create(
                Round(agency=agency, sop=sop, sop_version=version, year=year, period=p,
                      status="open" if p == "Q4" else "finalised",
                      finalised_at=None if p == "Q4" else now)
                for p in scale.periods)
            Disposition.objects.bulk_create(
                Disposition(agency=agency, sop=sop, round=round_, agenda_year=year,
                            agenda_number=n + 1, date=date(year, 1, 1), year=year,
                            period=round_.period, subject=f"Data kinerja {round_.period}",
                            instruction="Kumpulkan data kinerja.", deadline=date(year, 12, 31),
                            created_by=head, addressed_to="Sekretaris")
                for n, round_ in enumerate(rounds))
            tracks = Track.objects.bulk_create(
                Track(round=round_, unit=unit, stage=0 if round_.period == "Q4" else 3)
                for round_ in rounds for unit in units)
            formats = DataRequestFormat.objects.bulk_create(
                DataRequestFormat(round=round_, number=1, due_date=date(year, 12, 31),
                                  created_by=head, finalised_at=now) for round_ in rounds)
            FormatItem.objects.bulk_create(
                FormatItem(format=data_format, unit=unit, indicator=indicator)
                for data_format in formats for unit in units for indicator in by_unit[unit.id])
            values = IndicatorValue.objects.bulk_create(
                IndicatorValue(track=track, indicator=indicator,
                               value=Decimal(rng.randint(0, 10000)) / 100,
                               explanation="Tercapai sesuai rencana." if rng.random() < .5
                               else "", updated_at=now)
                for track in tracks for indicator in by_unit[track.unit_id])
            built.values += len(values)
            StepExecution.objects.bulk_create(
                execution for round_ in rounds
                for execution in _executions(round_, [t for t in tracks
                                                      if t.round_id == round_.id],
                                             steps, now))
            if index == 0:
                q4 = next(r for r in rounds if r.period == "Q4")
                track = next(t for t in tracks if t.round_id == q4.id and t.unit_id == units[0].id)
                value = next(v for v in values if v.track_id == track.id
                             and v.indicator.data_type == "number")
                built.round_id, built.track_id = q4.id, track.id
                built.value_id, built.indicator_id = value.id, value.indicator_id


def _executions(round_, tracks, steps, now: datetime):
    """Steps 1–9 done for a finalised round; steps 1–4 done and step 5 open for Q4, assigned
    yesterday and due tomorrow."""
    from kinerja.collection.models import StepExecution

    open_round = round_.status == "open"
    at = now - timedelta(days=5 if open_round else 90)
    for step in steps:
        if open_round and step.number > 5:
            break
        waiting = open_round and step.number == 5
        for track in (tracks if step.scope == "per_unit" else [None]):
            yield StepExecution(
                round=round_, track=track, step=step, status="open" if waiting else "done",
                assigned_at=at, due_at=at + timedelta(days=2),
                started_at=None if waiting else at,
                completed_at=None if waiting else at + timedelta(hours=2),
                outcome="" if waiting else "done")
        at += timedelta(days=1)


def print_environment(database: Database, **versions: str) -> None:
    """What the figures were measured on: the database server, Python, Django (and any
    `versions` given, e.g. weasyprint), the cores, the day and the load."""
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite"
                       else "SHOW server_version")
        server = cursor.fetchone()[0]
    extra = "".join(f"{name} {version}, " for name, version in versions.items())
    print(f"database: {database.label} ({connection.vendor} {server})")
    print(f"python {platform.python_version()}, django {django.get_version()}, {extra}"
          f"{os.cpu_count()} cpus, {date.today().isoformat()}, load average "
          f"{os.getloadavg()[0]:.1f}")


def settle(vendor: str) -> str:
    """PostgreSQL: what autovacuum would have done by now (statistics, visibility map) and a
    checkpoint, so that neither the planner's guesses about empty tables nor the bulk load's
    dirty pages are timed. SQLite is left as Django leaves it (no ANALYZE)."""
    from django.db import connection

    if vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    return ", VACUUM ANALYZE + CHECKPOINT"


# -- measuring ---------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    times: list[float]
    floor_times: list[float]
    queries: int

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def floor(self) -> float:
        return statistics.median(self.floor_times)

    @property
    def ratio(self) -> float:
        return self.median / self.floor


def paired(name: str, run: Callable[..., object], floor: Callable[[], object], repeat: int,
           prepare: Callable[[], tuple] = tuple) -> Result:
    """`repeat` runs of `run` and of its floor, taken in turns after one warm-up of each, so
    that both see the same load on a shared machine; `prepare` runs outside the clock. The
    queries are counted on one more run."""
    times, floor_times = [], []
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        floor()
        floor_elapsed = (time.perf_counter() - start) * 1000
        args = prepare()
        start = time.perf_counter()
        run(*args)
        elapsed = (time.perf_counter() - start) * 1000
        if attempt:
            times.append(elapsed)
            floor_times.append(floor_elapsed)
    return Result(name, times, floor_times, count_queries(run, prepare))


def count_queries(run: Callable[..., object], prepare: Callable[[], tuple] = tuple) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    args = prepare()
    with CaptureQueriesContext(connection) as captured:
        run(*args)
    return len(captured)


def measure(built: Built, scale: Scale, repeat: int) -> list[Result]:
    from django.db import connection
    from django.utils import timezone

    from kinerja.accounts.models import User
    from kinerja.catalogue.models import Indicator, IndicatorYearTarget
    from kinerja.collection.models import IndicatorValue, Round, StepExecution, Track
    from kinerja.collection.recap import agency_recap
    from kinerja.collection.selectors import task_list_for_viewer
    from kinerja.collection.services.data_entry import ValueEntry, values_save
    from kinerja.organisation.visibility import Viewer

    round_ = Round.objects.get(pk=built.round_id)
    rows = scale.units * scale.indicators
    results = []

    # 1. The agency recap of the Q4 round, against one aggregate over the same year's values:
    # per indicator the sum of the quarters, this period's value and the year's target.
    def recap(round_=round_):
        found = agency_recap(round_)
        assert len(found.rows) == rows and len(found.completeness) == scale.units, (
            len(found.rows), len(found.completeness))

    value_t, track_t, round_t = (IndicatorValue._meta.db_table, Track._meta.db_table,
                                 Round._meta.db_table)
    indicator_t, target_t = Indicator._meta.db_table, IndicatorYearTarget._meta.db_table
    aggregate = f"""
        SELECT v.indicator_id, t.unit_id,
               SUM(CASE WHEN r.period IN ('Q1', 'Q2', 'Q3', 'Q4') THEN v.value END),
               MAX(CASE WHEN r.period = %s THEN v.value END),
               MAX(i.aggregation), MAX(y.renstra_target), MAX(y.pk_target)
          FROM {value_t} v
          JOIN {track_t} t ON t.id = v.track_id
          JOIN {round_t} r ON r.id = t.round_id
          JOIN {indicator_t} i ON i.id = v.indicator_id
          LEFT JOIN {target_t} y ON y.indicator_id = v.indicator_id AND y.year = r.year
         WHERE r.agency_id = %s AND r.year = %s
         GROUP BY v.indicator_id, t.unit_id"""

    def recap_floor():
        with connection.cursor() as cursor:
            cursor.execute(aggregate, [round_.period, round_.agency_id, round_.year])
            found = cursor.fetchall()
        assert len(found) == rows, len(found)

    results.append(paired(f"agency_recap (Q4, {rows} rows)", recap, recap_floor, repeat))

    # 2. Saving one value through the service, against one UPDATE of the same row (each commits).
    track = Track.objects.get(pk=built.track_id)
    counter = iter(range(10**6))

    def save_args():
        user = User.objects.get(pk=built.staff_user_id)  # fresh, as each request's user is
        version = IndicatorValue.objects.values_list("version", flat=True).get(
            pk=built.value_id)
        entry = ValueEntry(indicator_id=built.indicator_id,
                           value_text=f"{next(counter) % 100},5", expected_version=version)
        return user, entry

    def save(user, entry):
        saved = values_save(user=user, track=track, entries=[entry])
        assert saved[0].version == entry.expected_version + 1

    update = (f"UPDATE {value_t} SET value = %s, version = version + 1, updated_at = %s "
              f"WHERE id = %s")

    def save_floor():
        with connection.cursor() as cursor:  # autocommit: one statement, one commit
            cursor.execute(update, [Decimal(next(counter) % 100), timezone.now(),
                                    built.value_id])

    results.append(paired("values_save (1 value)", save, save_floor, repeat, save_args))

    # 3. "My tasks" of the unit's staff, against the SELECT of the agency's open steps.
    viewer = Viewer.for_user(User.objects.get(pk=built.staff_user_id))

    def tasks():
        found = task_list_for_viewer(viewer=viewer)
        assert len(found) == 1 and found[0].code == "enter", found

    execution_t = StepExecution._meta.db_table
    open_steps = f"""
        SELECT e.* FROM {execution_t} e JOIN {round_t} r ON r.id = e.round_id
         WHERE r.agency_id = %s AND e.status = 'open' AND r.status = 'open'
         ORDER BY e.due_at, e.id"""

    def tasks_floor():
        with connection.cursor() as cursor:
            cursor.execute(open_steps, [viewer.agency_id])
            found = cursor.fetchall()
        assert len(found) == scale.units, len(found)

    results.append(paired("task_list_for_viewer (staff)", tasks, tasks_floor, repeat))
    return results


def print_table(results: list[Result], earlier: list[Result] | None, small: int) -> None:
    header = (f"{'measurement':<32} {'median ms':>10} {'best ms':>8} {'floor ms':>9} "
              f"{'ratio':>7} {'queries':>8}")
    if earlier:
        header += f" {f'q @{small}':>7} {f'ms @{small}':>8}"
    print(header)
    print("-" * len(header))
    for index, result in enumerate(results):
        line = (f"{result.name:<32} {result.median:>10.2f} {min(result.times):>8.2f} "
                f"{result.floor:>9.3f} {result.ratio:>7.1f} {result.queries:>8}")
        if earlier:
            line += f" {earlier[index].queries:>7} {earlier[index].median:>8.2f}"
        print(line)


# -- main --------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agencies", type=int, default=45)
    parser.add_argument("--units", type=int, default=10, help="reporting units per agency")
    parser.add_argument("--indicators", type=int, default=30, help="indicators per unit")
    parser.add_argument("--periods", type=int, default=5, choices=range(1, 6),
                        help="rounds per agency: Q4, then Q3, Q2, Q1, Y")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=9, help="timed runs after a warm-up")
    parser.add_argument("--no-analyze", action="store_true",
                        help="PostgreSQL: time without VACUUM ANALYZE after the bulk load")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    periods = [p for p in ALL_PERIODS if p in PERIOD_PRIORITY[:args.periods]]
    scale = Scale(args.agencies, args.units, args.indicators, periods, args.year)

    started = time.perf_counter()
    database = prepare_database(args.keep)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        print_environment(database)
        print(f"scale: {scale.agencies} agencies × {scale.units} units × {scale.indicators} "
              f"indicators × {len(periods)} periods ({', '.join(periods)}) of {scale.year}")
        print(f"migrate: {migrated - started:.1f} s")

        rng = random.Random(args.seed)
        built = Built()
        stages = sorted({min(FIRST_STAGE, scale.agencies), scale.agencies})
        measured: list[list[Result]] = []
        for stage in stages:
            before = time.perf_counter()
            build_agencies(scale, len(built.agency_ids), stage - len(built.agency_ids), built,
                           rng)
            took = time.perf_counter() - before
            settled = "" if args.no_analyze else settle(connection.vendor)
            print(f"built {stage} agencies ({built.values:,} values) in {took:.1f} s"
                  f"{settled} ({time.perf_counter() - before:.1f} s)")
            measured.append(measure(built, scale, args.repeat))
        print()
        print_table(measured[-1], measured[0] if len(measured) > 1 else None, stages[0])
        print(f"\nratio = median / floor median, {args.repeat} runs each after a warm-up; "
              f"queries (BEGIN/COMMIT included) counted on one more run"
              + (f"; @{stages[0]}: the same with {stages[0]} agencies in the database."
                 if len(stages) > 1 else ".")
              + f"\nTotal {time.perf_counter() - started:.0f} s; load average now "
              f"{os.getloadavg()[0]:.1f}.")
        grew = [f"{a.name}: {a.queries} → {b.queries}"
                for a, b in zip(measured[0], measured[-1], strict=True) if a.queries != b.queries]
        if grew:
            print("QUERY COUNT GREW WITH THE DATABASE: " + "; ".join(grew))
            return 1
        if len(measured) > 1:
            print(f"query counts are the same with {stages[0]} and {stages[-1]} agencies.")
        return 0
    finally:
        release(database)


if __name__ == "__main__":
    sys.exit(main())
