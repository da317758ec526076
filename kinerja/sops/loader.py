"""Reads an SOP file (YAML) into a validated `SopDocument`, keeping line numbers for errors.

`yaml.safe_load` forgets where each value stood, so the file is composed into nodes first and
converted by hand, recording the line and column of every key; pydantic then validates, and
each error is reported with the line of the nearest key it concerns.

The file may come from anyone with an admin account, so it is read under the limits of
`kinerja.core.limits` (size, nesting depth, aliases and their expansion) and every fault of the
YAML itself — an alias cycle, a list as a key, `!!int abc`, an impossible date, bytes that are
not UTF-8 — becomes a line-numbered problem like any other, never an exception.

Last, the file must be an SOP the collection engine can run to the end: the engine contract
(`KINDS`, `ORDER`, `ENGINE_RULES` below; docs/sop-contract.md). Every message is translated
(gettext) and names the line, the step and what to write instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Annotated, Any, Literal

import yaml
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kinerja.core import limits

from .models import ActorPosition, StepKind, StepScope

Path = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True)]


class SopFileError(Exception):
    """A malformed SOP file; `problems` holds one line per fault, each naming field and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Dates(Strict):
    made: date
    revised: date | None = None
    effective: date | None = None


class Approver(Strict):
    position: Text
    name: Text
    rank: OptionalText = ""
    nip: OptionalText = ""


class Recording(Strict):
    actor: Text
    records: Text
    # Who this line is in Kinerja: a line with a position initials the disposition unless it
    # is the disposition's signer or the forwarding's actor (SopVersion.further_initials).
    position: Literal[tuple(ActorPosition.values)] | None = None  # type: ignore[valid-type]
    unit_function: OptionalText = ""


class Worksheet(Strict):
    activity_type: Text
    responsible_for_product: Text
    responsible_for_activity: Text
    scope: Text
    activity_title: OptionalText = ""
    first_step: OptionalText = ""
    main_step: OptionalText = ""
    last_step: OptionalText = ""
    steps: list[Text] = Field(default_factory=list)


class Actor(Strict):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_\-]+$")]
    label: Text
    position: Literal[tuple(ActorPosition.values)]  # type: ignore[valid-type]
    unit_function: OptionalText = ""


class Step(Strict):
    number: int = Field(ge=1)
    description: Text
    actor: Text
    position: Literal[tuple(ActorPosition.values)] | None = None  # type: ignore[valid-type]
    unit_function: str | None = None
    actor_inferred: bool = False
    participants: list[Text] = Field(default_factory=list)
    recorded_by: str | None = None
    inputs: Text
    time_minutes: int = Field(gt=0, le=100_000)
    output: Text
    remarks: OptionalText = ""
    kind: Literal[tuple(StepKind.values)]  # type: ignore[valid-type]
    scope: Literal[tuple(StepScope.values)]  # type: ignore[valid-type]
    starts_tracks: bool = False
    waits_for_tracks: bool = False
    returns_to: int | None = None


class SopDocument(Strict):
    number: Text
    title: Text
    government: Text
    agency_name: Text
    dates: Dates
    approved_by: Approver
    legal_basis: list[Text] = Field(default_factory=list)
    executor_qualifications: list[Text] = Field(default_factory=list)
    related_sops: list[Text] = Field(default_factory=list)
    equipment: list[Text] = Field(default_factory=list)
    warnings: list[Text] = Field(default_factory=list)
    recording: list[Recording] = Field(default_factory=list)
    documentation: OptionalText = ""
    worksheet: Worksheet
    notes: list[Text] = Field(default_factory=list)
    actors: list[Actor] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)

    def content_hash(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _where(line: int, column: int | None = None) -> str:
    if column is None:
        return _("line %(line)d") % {"line": line}
    return _("line %(line)d, column %(column)d") % {"line": line, "column": column}


def _at(mark) -> str:
    return _where(mark.line + 1, mark.column + 1)


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses, while composing, what only an attack needs: nesting
    beyond the depth limit (the composer recurses, so 5,000 levels would end in RecursionError),
    more aliases than the alias limit, and an alias inside the value it names (a cycle the
    conversion would follow for ever)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0
        self.aliases = 0
        self.open_anchors: set[str] = set()

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > limits.SOP_YAML_MAX_ALIASES:
                raise SopFileError([_("%(where)s: more than %(limit)d aliases (*name), the "
                                      "limit for an SOP file") % {
                    "where": _at(event.start_mark), "limit": limits.SOP_YAML_MAX_ALIASES}])
            if event.anchor in self.open_anchors:
                raise SopFileError([_("%(where)s: alias *%(name)s refers to a value that "
                                      "contains it (an alias cycle)") % {
                    "where": _at(event.start_mark), "name": event.anchor}])
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > limits.SOP_YAML_MAX_DEPTH:
            raise SopFileError([_("%(where)s: nested deeper than %(limit)d levels, the limit "
                                  "for an SOP file") % {
                "where": _at(event.start_mark), "limit": limits.SOP_YAML_MAX_DEPTH}])
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1
            self.open_anchors.discard(anchor)


def _scalar(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """One scalar's value; a value its tag cannot read (`!!int abc`, `2026-02-30`) is a
    problem at its line, where PyYAML would raise ValueError or worse."""
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError:
        raise
    except Exception:  # int(), date(), base64 … each fail their own way
        kind = node.tag.rsplit(":", 1)[-1]
        raise SopFileError([_("%(where)s: “%(value)s” is not a valid %(kind)s") % {
            "where": _at(node.start_mark), "value": node.value, "kind": kind}]) from None


def _not_a_plain_key(mark) -> SopFileError:
    return SopFileError([_("%(where)s: a key must be a plain value, not a list or a mapping")
                         % {"where": _at(mark)}])


def _compose(text: str) -> tuple[Any, dict[Path, Position]]:
    """Convert YAML text to Python values, with the 1-based line and column of every key and
    item."""
    loader = _LimitedLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    positions: dict[Path, Position] = {}
    # Aliases make a small file stand for a huge one; count the values as they are expanded.
    expanded = 0

    def convert(node: yaml.Node, path: Path) -> Any:
        nonlocal expanded
        expanded += 1
        if expanded > limits.SOP_YAML_MAX_VALUES:
            raise SopFileError([_("%(where)s: the aliases expand to more than %(limit)s "
                                  "values, the limit for an SOP file") % {
                "where": _at(node.start_mark), "limit": f"{limits.SOP_YAML_MAX_VALUES:,}"}])
        positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise _not_a_plain_key(key_node.start_mark)
                key = _scalar(loader, key_node)
                try:
                    hash(key)
                except TypeError:
                    raise _not_a_plain_key(key_node.start_mark) from None
                if key in result:
                    raise SopFileError([_("%(where)s: %(field)s: key given twice") % {
                        "where": _where(key_node.start_mark.line + 1),
                        "field": _dotted((*path, key))}])
                positions[(*path, key)] = (key_node.start_mark.line + 1,
                                           key_node.start_mark.column + 1)
                result[key] = convert(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, (*path, index)) for index, item in enumerate(node.value)]
        return _scalar(loader, node)

    if root is None:
        raise SopFileError([_("%(where)s: the file is empty") % {"where": _where(1)}])
    return convert(root, ()), positions


def decode_sop_file(content: bytes) -> str:
    """The text of an SOP file's bytes, refusing a file over the size limit or one that is not
    UTF-8 (a Latin-1 file from an old editor) with the line and column of the first bad byte."""
    _check_size(len(content))
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        before = content[:error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise SopFileError([_("%(where)s: the file is not UTF-8 text (byte 0x%(byte)02X); "
                              "save it as UTF-8") % {"where": _where(line, column),
                                                     "byte": content[error.start]}]) from None


def _check_size(size: int) -> None:
    if size > limits.SOP_FILE_MAX_BYTES:
        raise SopFileError([_("%(where)s: the file is larger than %(size)d KB, the limit for "
                              "an SOP file") % {"where": _where(1),
                                                "size": limits.SOP_FILE_MAX_BYTES // 1024}])


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _line_of(path: Path, positions: dict[Path, Position]) -> int:
    while path not in positions and path:
        path = path[:-1]
    return positions[path][0] if path in positions else 1


def _problem(path: Path, message: str, positions: dict[Path, Position]) -> str:
    """`line L, column C: path: message` — the column only where the path itself is in the
    file (a missing field points at the line of what should hold it)."""
    where = _where(*positions[path]) if path in positions else _where(
        _line_of(path, positions))
    return f"{where}: {_dotted(path)}: {message}"


def _pydantic_message(item: dict) -> str:
    """pydantic's message for the common faults of a hand-written file, in the user's
    language; pydantic's own English text for the rare rest."""
    kind, context = item["type"], item.get("ctx") or {}
    messages: dict[str, Callable[[], str]] = {
        "missing": lambda: _("required field is missing"),
        "extra_forbidden": lambda: _("unknown field: an SOP file has no such field (check "
                                     "its spelling and indentation)"),
        "string_type": lambda: _("must be text"),
        "string_too_short": lambda: _("must not be empty"),
        "string_pattern_mismatch": lambda: _("may hold only lower-case letters, digits, “_” "
                                             "and “-”"),
        "literal_error": lambda: _("must be one of: %(choices)s") % {
            "choices": context.get("expected", "")},
        "int_parsing": lambda: _("must be a whole number"),
        "int_type": lambda: _("must be a whole number"),
        "int_from_float": lambda: _("must be a whole number"),
        "greater_than_equal": lambda: _("must be at least %(limit)s") % {
            "limit": context.get("ge")},
        "greater_than": lambda: _("must be more than %(limit)s") % {
            "limit": context.get("gt")},
        "less_than_equal": lambda: _("must be at most %(limit)s") % {
            "limit": context.get("le")},
        "bool_parsing": lambda: _("must be true or false"),
        "bool_type": lambda: _("must be true or false"),
        "date_type": lambda: _("must be a date, written YYYY-MM-DD"),
        "date_parsing": lambda: _("must be a date, written YYYY-MM-DD"),
        "date_from_datetime_parsing": lambda: _("must be a date, written YYYY-MM-DD"),
        "date_from_datetime_inexact": lambda: _("must be a date, written YYYY-MM-DD"),
        "list_type": lambda: _("must be a list (one “- ” item a line)"),
        "model_type": lambda: _("must be a mapping of fields (“key: value” lines)"),
        "dict_type": lambda: _("must be a mapping of fields (“key: value” lines)"),
        "too_short": lambda: _("must hold at least %(count)s item(s)") % {
            "count": context.get("min_length")},
    }
    message = messages.get(kind)
    return message() if message is not None else item["msg"]


def parse_sop(text: str) -> SopDocument:
    """Parse and check an SOP file. Raises SopFileError naming each field and line."""
    # Characters, then bytes: the encoded text is only built when it could be too large.
    if len(text) * 4 > limits.SOP_FILE_MAX_BYTES:
        _check_size(len(text.encode("utf-8", errors="surrogatepass")))
    try:
        data, positions = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = _at(mark) if mark else _("line ?")
        raise SopFileError([_("%(where)s: not valid YAML: %(problem)s") % {
            "where": where, "problem": error.problem or error}]) from None
    except yaml.YAMLError as error:  # the reader's errors (a control character) carry no mark
        position = getattr(error, "position", 0) or 0
        raise SopFileError([_("%(where)s: not valid YAML: %(problem)s") % {
            "where": _where(text.count(chr(10), 0, position) + 1),
            "problem": getattr(error, "reason", "") or error}]) from None
    if not isinstance(data, dict):
        raise SopFileError([_("%(where)s: the file must be a mapping of SOP fields") % {
            "where": _where(1)}])
    try:
        document = SopDocument.model_validate(data)
    except ValidationError as error:
        raise SopFileError([_problem(tuple(item["loc"]), _pydantic_message(item), positions)
                            for item in error.errors()]) from None
    found = _check_structure(document)
    if not found:
        # The contract reads step numbers and actors, so it waits for a sound structure.
        found = engine_contract_problems(document)
    if found:
        raise SopFileError([_problem(path, message, positions) for path, message in found])
    return document


def _check_structure(document: SopDocument) -> list[tuple[Path, str]]:
    """Rules that tie fields together: numbering, and actors that exist."""
    problems: list[tuple[Path, str]] = []
    actor_keys = [actor.key for actor in document.actors]
    known = ", ".join(actor_keys)
    for index, key in enumerate(actor_keys):
        if actor_keys.index(key) != index:
            problems.append((("actors", index, "key"),
                             _("actor key '%(key)s' is used twice") % {"key": key}))
    for index, step in enumerate(document.steps):
        where = ("steps", index)
        if step.number != index + 1:
            problems.append(((*where, "number"), _(
                "steps must be numbered 1, 2, 3 … in order; expected %(expected)d, found "
                "%(found)d") % {"expected": index + 1, "found": step.number}))
        for field, keys in (("actor", [step.actor]),
                            ("recorded_by", [step.recorded_by] if step.recorded_by else []),
                            ("participants", step.participants)):
            for key in keys:
                if key not in actor_keys:
                    problems.append(((*where, field), _(
                        "unknown actor '%(key)s' (actors: %(actors)s)") % {
                        "key": key, "actors": known}))
    return problems


# --- The engine contract ----------------------------------------------------------------------
# What the engine (collection/engine.py) and its services (collection/services/) can run, so
# that every SOP that loads runs to the end. docs/sop-contract.md explains each rule and the
# code it stands for. When the engine learns more, this table and these rules change with
# it, and nothing else in the loader.

ONCE, PER_UNIT = StepScope.ONCE.value, StepScope.PER_UNIT.value


@dataclass(frozen=True)
class KindContract:
    """What the services expect of the steps of one kind."""

    least: int  # steps of the kind an SOP must have …
    most: int  # … and may have: `step_of_kind` finds the first, any other never runs
    scope: str | None  # the scope the service handles (None: the kind may not appear)
    returns_to: tuple[str, ...] = ()  # the kinds it sends work back to; () = no returns_to
    receiver: bool = False  # names exactly one participant, who receives the work
    missing: Promise | str = ""  # why an SOP needs the kind, and what to write


KINDS: dict[str, KindContract] = {
    StepKind.DISPOSITION: KindContract(1, 1, ONCE, missing=gettext_lazy(
        "the head's signed disposition opens the round. Write it as step 1: “kind: "
        "disposition”, “scope: once”.")),
    # The format is built by a step of its own, or else by the forwarding's receiver
    # (`_format_built`).
    StepKind.FORWARDING: KindContract(0, 1, ONCE, receiver=True),
    StepKind.DATA_REQUEST_FORMAT: KindContract(0, 1, ONCE),
    StepKind.SENDING: KindContract(1, 1, PER_UNIT, missing=gettext_lazy(
        "the data-request format is sent to every reporting unit there, and the units' "
        "tracks start. Write it after the step that builds the format: “kind: sending”, "
        "“scope: per_unit”, “starts_tracks: true”.")),
    StepKind.MEETING: KindContract(0, 1, ONCE),
    StepKind.DATA_ENTRY: KindContract(1, 1, PER_UNIT, missing=gettext_lazy(
        "each unit enters its values there. Write it after the sending: “kind: data_entry”, "
        "“scope: per_unit”.")),
    StepKind.UNIT_RECAP: KindContract(0, 1, PER_UNIT),
    # One validation per level: the Kabid validates, a Sekretaris may verify after them.
    StepKind.VALIDATION: KindContract(
        1, 5, PER_UNIT,
        returns_to=(StepKind.DATA_ENTRY, StepKind.UNIT_RECAP, StepKind.VALIDATION),
        missing=gettext_lazy(
            "the unit head validates the unit's data there, or returns it. Write it after the "
            "data entry (or the unit recap): “kind: validation”, “scope: per_unit”, "
            "“returns_to: the number of the data-entry step”.")),
    StepKind.HANDOVER: KindContract(0, 1, PER_UNIT, returns_to=(StepKind.VALIDATION,),
                                    receiver=True),
    StepKind.AGENCY_RECAP: KindContract(1, 1, ONCE, missing=gettext_lazy(
        "the agency recap finalises the round. Write it as the last step: “kind: "
        "agency_recap”, “scope: once”, “waits_for_tracks: true”.")),
}

# The order the services need: each kind reads what the one before it left (the format before
# it is sent, the values before their recap, the recap before its validation, …). A meeting,
# optional, may stand anywhere after the forwarding and before the agency recap.
ORDER: tuple[str, ...] = (StepKind.DISPOSITION, StepKind.FORWARDING,
                          StepKind.DATA_REQUEST_FORMAT, StepKind.SENDING, StepKind.DATA_ENTRY,
                          StepKind.UNIT_RECAP, StepKind.VALIDATION, StepKind.HANDOVER,
                          StepKind.AGENCY_RECAP)


@dataclass(frozen=True)
class _Sop:
    """The document as the rules read it."""

    steps: list[Step]
    actors: dict[str, Actor]

    def of_kind(self, kind: str) -> list[tuple[int, Step]]:
        return [(index, step) for index, step in enumerate(self.steps) if step.kind == kind]

    def first(self, kind: str) -> tuple[int, Step] | None:
        found = self.of_kind(kind)
        return found[0] if found else None


Problems = Iterator[tuple[Path, str]]


def _kinds_counted(sop: _Sop) -> Problems:
    """Each kind as often as the services can run it."""
    for kind, contract in KINDS.items():
        found = sop.of_kind(kind)
        if len(found) < contract.least:
            yield ("steps",), _("the SOP has no step of kind “%(kind)s”: %(why)s%(where)s") % {
                "kind": kind, "why": contract.missing, "where": _insert_after(sop, kind)}
        first = found[0][1].number if found else 0
        for index, step in found[contract.most:]:
            yield ("steps", index, "kind"), _(
                "step %(number)d is one step of kind “%(kind)s” too many (the first is step "
                "%(first)d): the engine runs at most %(most)d; remove it or merge it into "
                "step %(first)d.") % {"number": step.number, "kind": kind, "first": first,
                                      "most": contract.most}


def _insert_after(sop: _Sop, kind: str) -> str:
    """Where a missing kind goes: after the nearest kind before it that the file has."""
    before = ORDER[:ORDER.index(kind)] if kind in ORDER else ()
    for earlier in reversed(before):
        found = sop.first(earlier)
        if found is not None:
            return " " + _("(Here: after step %(number)d.)") % {"number": found[1].number}
    return ""


def _scopes(sop: _Sop) -> Problems:
    """Each kind in the scope its service handles (a per-unit service needs a track)."""
    words = {ONCE: _("once per round"), PER_UNIT: _("once for each reporting unit")}
    for index, step in enumerate(sop.steps):
        contract = KINDS[step.kind]
        if contract.scope is not None and step.scope != contract.scope:
            yield ("steps", index, "scope"), _(
                "step %(number)d (kind: %(kind)s) runs %(how)s in today's engine; write "
                "“scope: %(scope)s”.") % {"number": step.number, "kind": step.kind,
                                         "how": words[contract.scope],
                                         "scope": contract.scope}


def _fixed_places(sop: _Sop) -> Problems:
    """The disposition opens the round (step 1); it is addressed to the actor of the next
    step, the forwarding; the agency recap finalises the round, so nothing after it opens."""
    disposition = sop.first(StepKind.DISPOSITION)
    if disposition is not None and disposition[1].number != 1:
        yield ("steps", disposition[0]), _(
            "step %(number)d is the disposition, which opens the round; make it step 1.") % {
            "number": disposition[1].number}
    forwarding = sop.first(StepKind.FORWARDING)
    if (disposition is not None and forwarding is not None
            and forwarding[1].number != disposition[1].number + 1):
        yield ("steps", forwarding[0]), _(
            "step %(number)d is the forwarding, which must come right after the disposition "
            "(step %(disposition)d): the disposition is addressed to the actor of the step "
            "after it. Make it step %(expected)d.") % {
            "number": forwarding[1].number, "disposition": disposition[1].number,
            "expected": disposition[1].number + 1}
    recap = sop.first(StepKind.AGENCY_RECAP)
    if recap is not None and recap[1].number != len(sop.steps):
        yield ("steps", recap[0]), _(
            "step %(number)d is the agency recap, which finalises the round, so the steps "
            "after it would never open; make it the last step (step %(last)d).") % {
            "number": recap[1].number, "last": len(sop.steps)}


def _order(sop: _Sop) -> Problems:
    """Each kind after the kind whose work it reads (every step of a kind that may repeat,
    the validation levels, stands between the kinds around it)."""
    present = [found for kind in ORDER if (found := sop.of_kind(kind))]
    for earlier_steps, later_steps in pairwise(present):
        earlier = earlier_steps[-1][1]
        for index, later in later_steps:
            if later.number < earlier.number:
                yield ("steps", index, "kind"), _(
                    "step %(number)d (kind: %(kind)s) comes before step %(other)d (kind: "
                    "%(other_kind)s), whose work it needs; move it after step %(other)d.") % {
                    "number": later.number, "kind": later.kind, "other": earlier.number,
                    "other_kind": earlier.kind}


def _format_built(sop: _Sop) -> Problems:
    """Someone builds the data-request format before it is sent: the actor of a
    `data_request_format` step, or else the receiver of the forwarding."""
    if not sop.of_kind(StepKind.FORWARDING) and not sop.of_kind(StepKind.DATA_REQUEST_FORMAT):
        yield ("steps",), _(
            "no step builds the data-request format that every later step reads. Write a "
            "step “kind: data_request_format”, “scope: once” after the disposition, or a "
            "forwarding right after it: “kind: forwarding”, “scope: once”, “participants: "
            "[the actor who builds the format]”.")


def _returns(sop: _Sop) -> Problems:
    """A validation sends the data back to the data entry or the unit recap (as a draft); a
    hand-over sends it back to the validation (as submitted). The return opens the earlier
    step on the unit's own track, so only per-unit steps may stand between the two."""
    for index, step in enumerate(sop.steps):
        targets = KINDS[step.kind].returns_to
        facts = {"number": step.number, "kind": step.kind, "target": step.returns_to,
                 "kinds": " / ".join(targets)}
        if step.returns_to is None:
            if targets:
                choices = [f"{other.number} ({other.kind})" for other in sop.steps
                           if other.kind in targets and other.number < step.number]
                yield ("steps", index), _(
                    "step %(number)d (kind: %(kind)s) has no returns_to, so a return would "
                    "have nowhere to go; write “returns_to: N” with the number of the earlier "
                    "step it sends work back to (kind %(kinds)s: %(choices)s).") % {
                    **facts, "choices": ", ".join(choices) or "—"}
            continue
        where = ("steps", index, "returns_to")
        if not targets:
            yield where, _(
                "step %(number)d (kind: %(kind)s) cannot send work back: only validation and "
                "hand-over steps do. Remove “returns_to: %(target)d”.") % facts
            continue
        if not 1 <= step.returns_to < step.number:
            yield where, _(
                "step %(number)d: a step can only send work back to an earlier step; write "
                "the number of the earlier step of kind %(kinds)s.") % facts
            continue
        target = sop.steps[step.returns_to - 1]
        if target.kind not in targets:
            yield where, _(
                "step %(number)d (kind: %(kind)s) sends work back to step %(target)d (kind: "
                "%(target_kind)s), but it can only send it back to a step of kind "
                "%(kinds)s.") % {**facts, "target_kind": target.kind}
            continue
        between = sop.steps[step.returns_to:step.number - 1]
        once = next((other for other in between if other.scope != PER_UNIT), None)
        if once is not None:
            yield where, _(
                "step %(number)d sends work back to step %(target)d, but step %(once)d between "
                "them runs once per round, and would wait for every unit again; send it back "
                "to a step after step %(once)d.") % {**facts, "once": once.number}


def _tracks_start(sop: _Sop) -> Problems:
    """The engine makes the units' tracks when it opens the first per-unit step."""
    per_unit = [index for index, step in enumerate(sop.steps) if step.scope == PER_UNIT]
    first = per_unit[0] if per_unit else None
    for index, step in enumerate(sop.steps):
        if step.starts_tracks and index != first:
            if first is None:
                message = _("step %(number)d has starts_tracks, but no step runs for each "
                            "reporting unit; remove “starts_tracks: true”.")
            else:
                message = _("step %(number)d has starts_tracks, but the tracks start at step "
                            "%(first)d, the first step that runs for each reporting unit; "
                            "remove “starts_tracks: true” here.")
            yield ("steps", index, "starts_tracks"), message % {
                "number": step.number, "first": sop.steps[first].number if first is not None
                else 0}
    if first is not None and not sop.steps[first].starts_tracks:
        yield ("steps", first), _(
            "step %(number)d is the first step that runs for each reporting unit, so the "
            "units' tracks start there; write “starts_tracks: true”.") % {
            "number": sop.steps[first].number}


def _tracks_awaited(sop: _Sop) -> Problems:
    """A once-per-round step after per-unit steps opens when every unit's track is through
    (`waits_for_tracks`, read by engine.advance): without the flag it would open for the
    first unit through and run while the others still work. Before the tracks start, or on
    a per-unit step, there is nothing to wait for."""
    per_unit_seen = False
    for index, step in enumerate(sop.steps):
        waits = step.scope == ONCE and per_unit_seen
        if waits and not step.waits_for_tracks:
            yield ("steps", index), _(
                "step %(number)d (kind: %(kind)s) runs once per round after steps that run "
                "for each unit, so it waits until every unit's track is through; write "
                "“waits_for_tracks: true”.") % {"number": step.number, "kind": step.kind}
        elif step.waits_for_tracks and not waits:
            yield ("steps", index, "waits_for_tracks"), _(
                "step %(number)d has waits_for_tracks, but no unit's track runs before it "
                "for it to wait for (only a once-per-round step after per-unit steps waits); "
                "remove “waits_for_tracks: true” here.") % {"number": step.number}
        per_unit_seen = per_unit_seen or step.scope == PER_UNIT


def _receivers(sop: _Sop) -> Problems:
    """The forwarding's participant builds the format; the hand-over's acknowledges receipt
    or returns the data. The services take one: two would be a guess, none nobody."""
    messages = {
        StepKind.FORWARDING: lambda: _(
            "step %(number)d (kind: forwarding) names %(count)d participants; name exactly "
            "one, the actor who receives the disposition (and builds the data-request format "
            "when no step of its own does): “participants: [key]”."),
        StepKind.HANDOVER: lambda: _(
            "step %(number)d (kind: handover) names %(count)d participants; name exactly one, "
            "the actor who receives the data and acknowledges it or returns it: "
            "“participants: [key]”."),
    }
    for index, step in enumerate(sop.steps):
        if KINDS[step.kind].receiver and len(step.participants) != 1:
            path: Path = ("steps", index, "participants") if step.participants else (
                "steps", index)
            yield path, messages[step.kind]() % {"number": step.number,
                                                 "count": len(step.participants)}


def _recorders(sop: _Sop) -> Problems:
    """A meeting is recorded in Kinerja by its `recorded_by` (the meeting itself is a group);
    the other services ask the step's actor, so `recorded_by` elsewhere would give the task
    to someone the service then refuses."""
    for index, step in enumerate(sop.steps):
        if step.kind == StepKind.MEETING and not step.recorded_by:
            yield ("steps", index), _(
                "step %(number)d (kind: meeting) has no recorded_by; name the actor who "
                "records the meeting in Kinerja: “recorded_by: key”.") % {
                "number": step.number}
        elif step.kind != StepKind.MEETING and step.recorded_by:
            yield ("steps", index, "recorded_by"), _(
                "step %(number)d (kind: %(kind)s) has recorded_by, which today only a meeting "
                "reads; the step's actor records it. Remove “recorded_by: %(key)s”.") % {
                "number": step.number, "kind": step.kind, "key": step.recorded_by}


def _round_actors(sop: _Sop) -> Problems:
    """`unit_head` is the head of a track's unit (engine.acting_role): on a once-per-round
    step, which has no track, nobody fits, and the round would stop there."""
    for index, step in enumerate(sop.steps):
        if KINDS[step.kind].scope != ONCE:
            continue
        columns: list[tuple[str, str | None]] = []  # (field, position)
        if step.kind == StepKind.MEETING:
            recorder = sop.actors.get(step.recorded_by or "")
            columns.append(("recorded_by", recorder.position if recorder else None))
        else:
            actor = sop.actors.get(step.actor)
            columns.append(("position" if step.position else "actor",
                            step.position or (actor.position if actor else None)))
        if step.kind == StepKind.FORWARDING and len(step.participants) == 1:
            receiver = sop.actors.get(step.participants[0])
            columns.append(("participants", receiver.position if receiver else None))
        for field, position in columns:
            if position == ActorPosition.UNIT_HEAD:
                yield ("steps", index, field), _(
                    "step %(number)d (kind: %(kind)s) runs once per round, but its %(field)s "
                    "is the head of each reporting unit (position: unit_head), who acts only "
                    "on a unit's track: nobody could do this step. Name an actor with another "
                    "position.") % {"number": step.number, "kind": step.kind, "field": field}


Rule = Callable[[_Sop], Problems]

# Each rule is one promise of the contract (docs/sop-contract.md); the tests show that each is
# needed: removing one lets a file through that the engine cannot run.
ENGINE_RULES: tuple[Rule, ...] = (_kinds_counted, _scopes, _fixed_places, _order,
                                  _format_built, _returns, _tracks_start, _tracks_awaited,
                                  _receivers, _recorders, _round_actors)


def engine_contract_problems(document: SopDocument) -> list[tuple[Path, str]]:
    """What in a well-formed SOP the collection engine cannot run: (path, message) pairs."""
    sop = _Sop(steps=list(document.steps),
               actors={actor.key: actor for actor in document.actors})
    return [problem for rule in ENGINE_RULES for problem in rule(sop)]
