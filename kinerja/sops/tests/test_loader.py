import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kinerja.core.models import AuditEvent
from kinerja.sops.loader import SopFileError, parse_sop
from kinerja.sops.models import Sop, SopStep, SopVersion
from kinerja.sops.services import sop_load


@pytest.fixture(autouse=True)
def english():
    """The loader's messages are asserted in their msgid language."""
    with translation.override("en"):
        yield


def test_the_shipped_file_has_every_field_of_the_seed(seed_sop_text):
    document = parse_sop(seed_sop_text)
    assert document.number == "207/050/01/Bappeda & Litbang"
    assert document.dates.made.isoformat() == "2020-02-05"
    assert document.dates.revised is None and document.dates.effective is None
    assert document.approved_by.nip == "196908151998031008"
    assert len(document.legal_basis) == 6
    assert len(document.steps) == 9
    assert [step.time_minutes for step in document.steps] == [15, 30, 15, 60, 480, 480, 480,
                                                              15, 480]
    assert all(step.actor_inferred for step in document.steps)
    returns = {step.number: step.returns_to for step in document.steps if step.returns_to}
    assert returns == {7: 5, 8: 7}
    assert [s.number for s in document.steps if s.starts_tracks] == [3]
    assert [s.number for s in document.steps if s.waits_for_tracks] == [4, 9]


@pytest.mark.django_db
def test_loadsop_loads_then_reloading_changes_nothing(org, seed_sop_text, tmp_path):
    path = tmp_path / "sop.yaml"
    path.write_text(seed_sop_text)
    call_command("loadsop", str(path), agency=org.agency.code)
    version = SopVersion.objects.get()
    assert version.steps.count() == 9
    assert version.actors.count() == 5
    assert version.steps.get(number=7).returns_to.number == 5
    step_9 = version.steps.get(number=9)
    assert (step_9.actor_position, step_9.actor_unit_function) == ("staff", "data")
    step_3 = version.steps.get(number=3)
    assert (step_3.actor_position, step_3.actor_unit_function) == ("subdivision_head", "data")
    assert AuditEvent.objects.filter(action="sop.loaded").count() == 1

    call_command("loadsop", str(path), agency=org.agency.code)
    assert SopVersion.objects.count() == 1
    assert SopStep.objects.count() == 9
    assert AuditEvent.objects.filter(action="sop.loaded").count() == 1


@pytest.mark.django_db
def test_a_changed_file_makes_a_new_version_and_keeps_the_old_one(org, seed_sop_text):
    first = sop_load(agency=org.agency, text=seed_sop_text).version
    changed = seed_sop_text.replace("time_minutes: 30", "time_minutes: 45")
    result = sop_load(agency=org.agency, text=changed)
    assert result.created
    assert result.version.version == 2
    assert Sop.objects.count() == 1
    assert result.version.steps.get(number=2).time_standard_minutes == 45
    first.refresh_from_db()
    assert first.steps.get(number=2).time_standard_minutes == 30
    assert Sop.objects.get().current_version == result.version
    # Loading the first text again finds version 1: nothing new.
    assert sop_load(agency=org.agency, text=seed_sop_text).version == first


@pytest.mark.django_db
def test_the_same_file_in_two_agencies_is_two_sops(org, seed_sop_text):
    sop_load(agency=org.agency, text=seed_sop_text)
    sop_load(agency=org.other_agency, text=seed_sop_text)
    assert Sop.objects.count() == 2


def problems_of(text: str) -> list[str]:
    with pytest.raises(SopFileError) as error:
        parse_sop(text)
    return error.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_missing_required_field_is_named_with_its_line(seed_sop_text):
    text = seed_sop_text.replace("title: Mekanisme Pengumpulan Data Kinerja\n", "", 1)
    (problem,) = problems_of(text)
    # A missing top-level field points at the start of the SOP's fields.
    assert problem == f"line {line_of(text, 'number:')}: title: required field is missing"

    text = seed_sop_text.replace("  made: 2020-02-05\n", "")
    (problem,) = problems_of(text)
    assert problem == (f"line {line_of(text, 'dates:')}: dates.made: required field is missing")


def test_a_step_without_a_time_standard_is_refused_naming_the_step(seed_sop_text):
    text = seed_sop_text.replace("    time_minutes: 60\n", "")
    (problem,) = problems_of(text)
    step_4_line = line_of(text, "- number: 4")
    assert problem == f"line {step_4_line}: steps[3].time_minutes: required field is missing"


def test_a_step_without_an_actor_is_refused(seed_sop_text):
    text = seed_sop_text.replace("    actor: secretary\n", "")
    (problem,) = problems_of(text)
    assert "steps[1].actor: required field is missing" in problem


def test_a_wrong_value_points_at_its_own_line(seed_sop_text):
    text = seed_sop_text.replace("time_minutes: 480", "time_minutes: lama", 1)
    (problem,) = problems_of(text)
    assert problem.startswith(f"line {line_of(text, 'time_minutes: lama')}, column 5: "
                              "steps[4].time_minutes: must be a whole number")


def test_broken_yaml_names_line_and_column():
    (problem,) = problems_of("number: 1\ntitle: [unclosed\nsteps: 3\n")
    assert problem.startswith("line 3, column 6: not valid YAML")


def test_structure_checks(seed_sop_text):
    text = seed_sop_text.replace("actor: head\n    actor_inferred", "actor: bupati\n    actor_"
                                 "inferred")
    (problem,) = problems_of(text)
    assert "steps[0].actor: unknown actor 'bupati' (actors: head, secretary, kabid" in problem
    (problem,) = problems_of(seed_sop_text.replace("returns_to: 5", "returns_to: 9"))
    assert ("steps[6].returns_to: step 7: a step can only send work back to an earlier step"
            in problem)


def test_unknown_fields_and_duplicate_keys_are_refused(seed_sop_text):
    (problem,) = problems_of(seed_sop_text.replace("title: Mekanisme", "titel: X\ntitle: "
                                                   "Mekanisme", 1))
    assert "titel: unknown field: an SOP file has no such field" in problem
    (problem,) = problems_of("number: a\nnumber: b\n")
    assert problem == "line 2: number: key given twice"


@pytest.mark.django_db
def test_loadsop_command_reports_problems_and_loads_nothing(org, seed_sop_text, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(seed_sop_text.replace("    time_minutes: 60\n", ""))
    with pytest.raises(CommandError) as error:
        call_command("loadsop", str(path), agency=org.agency.code)
    assert "broken.yaml, line" in str(error.value)
    assert "steps[3].time_minutes" in str(error.value)
    assert not Sop.objects.exists()
    with pytest.raises(CommandError, match="No agency with code 'nope'"):
        call_command("loadsop", str(path), agency="nope")
