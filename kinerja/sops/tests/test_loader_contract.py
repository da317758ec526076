"""The loader's engine contract (docs/sop-contract.md): every SOP the engine cannot run is
refused with the line and the step, and every SOP that loads runs to the end.

Each variant is the seed with a small change, made by editing the seed's YAML text (`Seed`), so
its line numbers are those of a real file. The property tests show that each rule of
`ENGINE_RULES` is needed: its variant is refused by that rule alone, and loads without it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kinerja.collection.models import RoundStatus, TrackStage
from kinerja.core.errors import OutOfTurn
from kinerja.sops import loader
from kinerja.sops.loader import SopFileError, parse_sop
from kinerja.sops.models import Sop
from kinerja.sops.services import sop_load

from .round_runner import run_round


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in their msgid language, whatever the catalogue holds."""
    with translation.override("en"):
        yield


STEP = re.compile(r"(?m)^  - number: (\d+)\n")


class Seed:
    """The seed SOP's text cut into its head and one block per step."""

    def __init__(self, text: str):
        start = text.index("\nsteps:\n") + len("\nsteps:\n")
        self.head = text[:start]
        parts = STEP.split(text[start:])
        assert parts[0] == ""
        self.blocks = {int(number): body for number, body in zip(parts[1::2], parts[2::2],
                                                                 strict=True)}

    def variant(self, order: list[int | str] | None = None,
                edits: dict[int, Callable[[str], str]] | None = None) -> str:
        """The seed with its steps in `order` (a number is a seed step, a text a new step's
        body), each `edits[number]` applied to that seed step; steps are renumbered and
        `returns_to` follows the step it named."""
        order = order or sorted(self.blocks)
        edits = edits or {}
        new_number = {old: position for position, old in enumerate(order, 1)
                      if isinstance(old, int)}
        blocks = []
        for position, old in enumerate(order, 1):
            body = old if isinstance(old, str) else edits.get(old, lambda b: b)(
                self.blocks[old])
            body = re.sub(r"(?m)^    returns_to: (\d+)$",
                          lambda m: f"    returns_to: {new_number.get(int(m[1]), int(m[1]))}",
                          body)
            blocks.append(f"  - number: {position}\n{body}")
        return self.head + "".join(blocks)


def without(line: str) -> Callable[[str], str]:
    def edit(body: str) -> str:
        assert f"    {line}\n" in body, line
        return body.replace(f"    {line}\n", "", 1)
    return edit


def replacing(old: str, new: str) -> Callable[[str], str]:
    def edit(body: str) -> str:
        assert old in body, old
        return body.replace(old, new, 1)
    return edit


def adding(line: str) -> Callable[[str], str]:
    return lambda body: body + f"    {line}\n"


FORMAT_STEP = """\
    description: Kasubbid Data menyusun format permintaan data
    actor: kasubbid_data
    kind: data_request_format
    scope: once
    inputs: Lembar disposisi
    time_minutes: 60
    output: Dokumen Format data
"""


def step_line(text: str, number: int, key: str | None = None) -> int:
    """The line of step `number` (of its `key` when given) in the text."""
    lines = text.splitlines()
    start = lines.index(f"  - number: {number}")
    if key is None:
        return start + 1
    return next(index + 1 for index in range(start + 1, len(lines))
                if lines[index].startswith(f"    {key}:"))


def steps_line(text: str) -> int:
    return text.splitlines().index("steps:") + 1


def problems_of(text: str) -> list[str]:
    with pytest.raises(SopFileError) as error:
        parse_sop(text)
    return error.value.problems


@dataclass(frozen=True)
class Variant:
    rule: Callable
    order: list[int | str] | None = None
    edits: dict[int, Callable[[str], str]] = field(default_factory=dict)
    # Where the (first) message points: the step and its key, or None for the `steps:` line.
    step: int | None = None
    key: str | None = None
    says: str = ""  # a phrase the message holds (the step, or where to add it)

    def text(self, seed: Seed) -> str:
        return seed.variant(self.order, self.edits)


ALL = list(range(1, 10))

VARIANTS: dict[str, Variant] = {
    # The issue's findings.
    "no data entry": Variant(
        loader._kinds_counted, order=[1, 2, 3, 4, 6, 7, 8, 9], says="after step 3"),
    "a validation without returns_to": Variant(
        loader._returns, edits={7: without("returns_to: 5")}, step=7, says="step 7"),
    "the meeting does not wait for the tracks": Variant(
        loader._tracks_awaited, edits={4: without("waits_for_tracks: true")}, step=4,
        says="step 4"),
    "waits_for_tracks before any track": Variant(
        loader._tracks_awaited, edits={2: adding("waits_for_tracks: true")}, step=2,
        key="waits_for_tracks", says="step 2"),
    "no step builds the format": Variant(
        loader._format_built, order=[1, 3, 4, 5, 6, 7, 8, 9], says="data_request_format"),
    "the forwarding not right after the disposition": Variant(
        loader._fixed_places, order=[1, 4, 2, 3, 5, 6, 7, 8, 9],
        edits={4: without("waits_for_tracks: true")}, step=3, says="step 3"),
    # One per rule and way of breaking it.
    "a second meeting": Variant(
        loader._kinds_counted, order=[1, 2, 3, 4, 4, 5, 6, 7, 8, 9], step=5, key="kind",
        says="step 5"),
    "a per-unit meeting": Variant(
        loader._scopes, edits={4: lambda body: without("waits_for_tracks: true")(
            replacing("scope: once", "scope: per_unit")(body))}, step=4,
        key="scope", says="step 4"),
    "a second format step": Variant(
        loader._kinds_counted, order=[1, 2, FORMAT_STEP, FORMAT_STEP, *range(3, 10)], step=4,
        key="kind", says="step 4"),
    "the agency recap before a meeting": Variant(
        loader._fixed_places, order=[1, 2, 3, 5, 6, 7, 8, 9, 4], step=8, says="step 8"),
    "the validation before the unit recap": Variant(
        loader._order, order=[1, 2, 3, 4, 5, 7, 6, 8, 9], step=6, key="kind", says="step 6"),
    "a hand-over returning to the unit recap": Variant(
        loader._returns, edits={8: replacing("returns_to: 7", "returns_to: 6")}, step=8,
        key="returns_to", says="step 8"),
    "a return across the meeting": Variant(
        loader._returns, order=[1, 2, 3, 5, 4, 6, 7, 8, 9], step=7, key="returns_to",
        says="step 7"),
    "a return to a later step": Variant(
        loader._returns, edits={7: replacing("returns_to: 5", "returns_to: 9")}, step=7,
        key="returns_to", says="step 7"),
    "a unit recap that returns": Variant(
        loader._returns, edits={6: adding("returns_to: 5")}, step=6, key="returns_to",
        says="step 6"),
    "no step starts the tracks": Variant(
        loader._tracks_start, edits={3: without("starts_tracks: true")}, step=3,
        says="step 3"),
    "the data entry starts the tracks": Variant(
        loader._tracks_start, edits={3: without("starts_tracks: true"),
                                     5: adding("starts_tracks: true")},
        step=5, key="starts_tracks", says="step 5"),
    "the agency recap does not wait": Variant(
        loader._tracks_awaited, edits={9: without("waits_for_tracks: true")}, step=9,
        says="step 9"),
    "a hand-over to nobody": Variant(
        loader._receivers, edits={8: without("participants: [kasubbid_data]")}, step=8,
        says="step 8"),
    "a forwarding to two": Variant(
        loader._receivers, edits={2: replacing("[kasubbid_data]", "[kasubbid_data, staff]")},
        step=2, key="participants", says="step 2"),
    "a meeting nobody records": Variant(
        loader._recorders, edits={4: without("recorded_by: kasubbid_data")}, step=4,
        says="step 4"),
    "recorded_by on the data entry": Variant(
        loader._recorders, edits={5: adding("recorded_by: kabid")}, step=5, key="recorded_by",
        says="step 5"),
    "the agency recap by the unit head": Variant(
        loader._round_actors, edits={9: replacing("actor: staff", "actor: kabid")}, step=9,
        key="actor", says="step 9"),
    "the format built by the unit head": Variant(
        loader._round_actors, edits={2: replacing("[kasubbid_data]", "[kabid]")}, step=2,
        key="participants", says="step 2"),
}


RULES = loader.ENGINE_RULES


@pytest.fixture(scope="module")
def seed() -> Seed:
    from kinerja.demo.services import SEED_SOP

    return Seed(SEED_SOP.read_text(encoding="utf-8"))


def test_the_seed_cut_and_joined_again_is_the_seed(seed, seed_sop_text):
    assert seed.variant() == seed_sop_text
    assert sorted(seed.blocks) == ALL


def test_the_seed_keeps_every_rule(seed_sop_text):
    document = parse_sop(seed_sop_text)
    assert loader.engine_contract_problems(document) == []


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_is_refused_with_its_line_and_step(seed, name):
    variant = VARIANTS[name]
    text = variant.text(seed)
    problem = problems_of(text)[0]
    line = steps_line(text) if variant.step is None else step_line(text, variant.step,
                                                                   variant.key)
    assert re.match(rf"line {line}(, column \d+)?: steps", problem), problem
    assert variant.says in problem, problem


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_is_refused_by_its_rule_alone(seed, name, monkeypatch):
    """The property: the variant breaks exactly its rule (the rule alone refuses it with every
    problem the whole contract finds) and the rule is needed (without it, the file loads)."""
    variant = VARIANTS[name]
    text = variant.text(seed)
    everything = problems_of(text)
    monkeypatch.setattr(loader, "ENGINE_RULES", (variant.rule,))
    assert problems_of(text) == everything
    monkeypatch.setattr(loader, "ENGINE_RULES",
                        tuple(rule for rule in RULES if rule is not variant.rule))
    parse_sop(text)


def test_every_rule_has_a_variant_that_only_it_refuses():
    assert {variant.rule for variant in VARIANTS.values()} == set(RULES)


def test_the_issue_variant_without_disposition_and_with_two_meetings(seed):
    text = seed.variant(order=[2, 3, 4, 4, 5, 6, 7, 8, 9])
    missing, second = problems_of(text)
    assert missing.startswith(f"line {steps_line(text)}, column 1: steps: ")
    assert "no step of kind “disposition”" in missing and "step 1" in missing
    assert second.startswith(f"line {step_line(text, 4, 'kind')}, column 5: steps[3].kind: ")
    assert "step 4 is one step of kind “meeting” too many (the first is step 3)" in second


def test_the_validation_without_returns_to_says_what_to_write(seed):
    text = VARIANTS["a validation without returns_to"].text(seed)
    (problem,) = problems_of(text)
    assert problem == (
        f"line {step_line(text, 7)}, column 5: steps[6]: step 7 (kind: validation) has no "
        "returns_to, so a return would have nowhere to go; write “returns_to: N” with the "
        "number of the earlier step it sends work back to (kind data_entry / unit_recap / "
        "validation: 5 (data_entry), 6 (unit_recap)).")


def test_the_missing_data_entry_says_why_and_where(seed):
    text = VARIANTS["no data entry"].text(seed)
    (problem,) = problems_of(text)
    assert problem.startswith(f"line {steps_line(text)}, column 1: steps: the SOP has no step "
                              "of kind “data_entry”: each unit enters its values there.")
    assert problem.endswith("(Here: after step 3.)")


def test_all_faults_are_listed_at_once(seed):
    text = seed.variant(order=[1, 2, 3, 4, 6, 7, 8, 9],
                        edits={7: without("returns_to: 5"), 9: without("waits_for_tracks: "
                                                                        "true")})
    problems = problems_of(text)
    assert len(problems) == 3
    assert [p.split(": ")[1] for p in problems] == ["steps", "steps[5]", "steps[7]"]


def test_the_contract_waits_for_known_actors_and_numbers(seed):
    """An unknown actor is reported alone: the contract would guess about it."""
    text = seed.variant(edits={9: replacing("actor: staff", "actor: bupati"),
                               7: without("returns_to: 5")})
    (problem,) = problems_of(text)
    assert "steps[8].actor: unknown actor 'bupati'" in problem


def test_every_message_goes_through_gettext(seed, seed_sop_text, monkeypatch):
    """Each problem is built of translated parts: its place and its message."""
    monkeypatch.setattr(loader, "_", lambda text: f"«{text}»")
    texts = [variant.text(seed) for variant in VARIANTS.values()] + [
        seed_sop_text.replace("title: Mekanisme Pengumpulan Data Kinerja\n", ""),
        seed_sop_text.replace("time_minutes: 30", "time_minutes: lama"),
        seed_sop_text.replace("title: Mekanisme", "titel: X\ntitle: Mekanisme"),
        seed_sop_text.replace("position: staff", "position: bupati"),
        seed_sop_text.replace("actor: head\n", "actor: bupati\n"),
        seed_sop_text.replace("number: 5", "number: 6"),
        "number: a\nnumber: b\n", "number: 1\ntitle: [unclosed\n", "[a]: x\n", "- a\n", "",
        "a: &a [*a]\n", "made: 2026-02-30\n"]
    for text in texts:
        for problem in problems_of(text):
            assert problem.startswith("«") and problem.endswith("»"), problem
            assert "«line " in problem, problem


@pytest.mark.django_db
def test_loadsop_refuses_a_file_the_engine_cannot_run_and_loads_nothing(org, seed, tmp_path):
    text = VARIANTS["no data entry"].text(seed)
    path = tmp_path / "tanpa-pengisian.yaml"
    path.write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("loadsop", str(path), agency=org.agency.code)
    assert (f"tanpa-pengisian.yaml, line {steps_line(text)}, column 1: steps: the SOP has "
            "no step of kind “data_entry”") in str(error.value)
    assert not Sop.objects.exists()


# --- every SOP that loads runs to the end ---------------------------------------------------

RUNNABLE = {
    "the seed": {},
    "no meeting": {"order": [1, 2, 3, 5, 6, 7, 8, 9]},
    "the meeting before the sending": {"order": [1, 2, 4, 3, 5, 6, 7, 8, 9],
                                       "edits": {4: without("waits_for_tracks: true")}},
    "the meeting after the hand-over": {"order": [1, 2, 3, 5, 6, 7, 8, 4, 9]},
    "a validation returning to the unit recap": {
        "edits": {7: replacing("returns_to: 5", "returns_to: 6")}},
    # The issue's findings, which the engine now runs.
    "no hand-over step": {"order": [1, 2, 3, 4, 5, 6, 7, 9]},
    "a data-request-format step": {"order": [1, 2, FORMAT_STEP, *range(3, 10)]},
    "no unit recap": {"order": [1, 2, 3, 4, 5, 7, 8, 9]},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_an_sop_that_loads_runs_a_whole_round_with_returns(org, catalogue, seed, name):
    text = seed.variant(**RUNNABLE[name])
    sop = sop_load(agency=org.agency, text=text).version.sop
    round_, done = run_round(org, sop, catalogue)
    assert round_.status == RoundStatus.FINALISED
    kinds = [entry.split(":")[1] for entry in done]
    tracks = round_.tracks.count()
    assert tracks == 3
    # Every unit through each per-unit kind of the SOP, Bidang X twice through validation.
    assert kinds.count("validation") >= tracks + 1
    if "handover" in kinds:
        assert kinds.count("handover") >= tracks + 1
    assert all(track.stage == TrackStage.FINAL for track in round_.tracks.all())


@pytest.mark.django_db
@pytest.mark.parametrize("name, failure", [
    # "Return" has nowhere to go (a 500 on the page).
    ("a validation without returns_to", ValueError),
    # Nobody builds the format, so it is never sent.
    ("no step builds the format", OutOfTurn),
])
def test_without_the_contract_the_issue_variants_do_not_run(org, catalogue, seed, monkeypatch,
                                                            name, failure):
    """What the contract prevents: each of the issue's files loads without it, and its round
    cannot end."""
    monkeypatch.setattr(loader, "ENGINE_RULES", ())
    sop = sop_load(agency=org.agency, text=VARIANTS[name].text(seed)).version.sop
    with pytest.raises(failure):
        run_round(org, sop, catalogue)
