"""Reads an SOP file (YAML) into a validated `SopDocument`, keeping line numbers for errors.

`yaml.safe_load` forgets where each value stood, so the file is composed into nodes first and
converted by hand, recording the line of every key; pydantic then validates, and each error is
reported with the line of the nearest key it concerns.

The file may come from anyone with an admin account, so it is read under the limits of
`kinerja.core.limits` (size, nesting depth, aliases and their expansion) and every fault of the
YAML itself — an alias cycle, a list as a key, `!!int abc`, an impossible date, bytes that are
not UTF-8 — becomes a line-numbered problem like any other, never an exception.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from kinerja.core import limits

from .models import ActorPosition, StepKind, StepScope

Path = tuple[str | int, ...]
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


def _at(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


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
                raise SopFileError([f"{_at(event.start_mark)}: more than "
                                    f"{limits.SOP_YAML_MAX_ALIASES} aliases (*name), the limit "
                                    "for an SOP file"])
            if event.anchor in self.open_anchors:
                raise SopFileError([f"{_at(event.start_mark)}: alias *{event.anchor} refers to a "
                                    "value that contains it (an alias cycle)"])
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > limits.SOP_YAML_MAX_DEPTH:
            raise SopFileError([f"{_at(event.start_mark)}: nested deeper than "
                                f"{limits.SOP_YAML_MAX_DEPTH} levels, the limit for an SOP "
                                "file"])
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
        raise SopFileError([f"{_at(node.start_mark)}: “{node.value}” is not a valid "
                            f"{kind}"]) from None


def _compose(text: str) -> tuple[Any, dict[Path, int]]:
    """Convert YAML text to Python values, with the 1-based line of every key and item."""
    loader = _LimitedLoader(text)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    lines: dict[Path, int] = {}
    # Aliases make a small file stand for a huge one; count the values as they are expanded.
    expanded = 0

    def convert(node: yaml.Node, path: Path) -> Any:
        nonlocal expanded
        expanded += 1
        if expanded > limits.SOP_YAML_MAX_VALUES:
            raise SopFileError([f"{_at(node.start_mark)}: the aliases expand to more than "
                                f"{limits.SOP_YAML_MAX_VALUES:,} values, the limit for an SOP "
                                "file"])
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SopFileError([f"{_at(key_node.start_mark)}: a key must be a plain "
                                        "value, not a list or a mapping"])
                key = _scalar(loader, key_node)
                try:
                    hash(key)
                except TypeError:
                    raise SopFileError([f"{_at(key_node.start_mark)}: a key must be a plain "
                                        "value, not a list or a mapping"]) from None
                if key in result:
                    raise SopFileError([f"line {key_node.start_mark.line + 1}: "
                                        f"{_dotted((*path, key))}: key given twice"])
                lines[(*path, key)] = key_node.start_mark.line + 1
                result[key] = convert(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [convert(item, (*path, index)) for index, item in enumerate(node.value)]
        return _scalar(loader, node)

    if root is None:
        raise SopFileError(["line 1: the file is empty"])
    return convert(root, ()), lines


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
        raise SopFileError([f"line {line}, column {column}: the file is not UTF-8 text (byte "
                            f"0x{content[error.start]:02X}); save it as UTF-8"]) from None


def _check_size(size: int) -> None:
    if size > limits.SOP_FILE_MAX_BYTES:
        raise SopFileError([f"line 1: the file is larger than "
                            f"{limits.SOP_FILE_MAX_BYTES // 1024} KB, the limit for an SOP "
                            "file"])


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _line_of(path: Path, lines: dict[Path, int]) -> int:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path, 1)


def parse_sop(text: str) -> SopDocument:
    """Parse and check an SOP file. Raises SopFileError naming each field and line."""
    # Characters, then bytes: the encoded text is only built when it could be too large.
    if len(text) * 4 > limits.SOP_FILE_MAX_BYTES:
        _check_size(len(text.encode("utf-8", errors="surrogatepass")))
    try:
        data, lines = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line ?"
        raise SopFileError([f"{where}: not valid YAML: {error.problem or error}"]) from None
    except yaml.YAMLError as error:  # the reader's errors (a control character) carry no mark
        position = getattr(error, "position", 0) or 0
        raise SopFileError([f"line {text.count(chr(10), 0, position) + 1}: not valid YAML: "
                            f"{getattr(error, 'reason', '') or error}"]) from None
    if not isinstance(data, dict):
        raise SopFileError(["line 1: the file must be a mapping of SOP fields"])
    try:
        document = SopDocument.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            path = tuple(item["loc"])
            message = "required field is missing" if item["type"] == "missing" else item["msg"]
            problems.append(f"line {_line_of(path, lines)}: {_dotted(path)}: {message}")
        raise SopFileError(problems) from None
    problems = [f"line {_line_of(path, lines)}: {_dotted(path)}: {message}"
                for path, message in _check_structure(document)]
    if problems:
        raise SopFileError(problems)
    return document


def _check_structure(document: SopDocument) -> list[tuple[Path, str]]:
    """Rules that tie fields together: numbering, actors, returns, tracks."""
    problems: list[tuple[Path, str]] = []
    actor_keys = [actor.key for actor in document.actors]
    for index, key in enumerate(actor_keys):
        if actor_keys.index(key) != index:
            problems.append((("actors", index, "key"), f"actor key '{key}' is used twice"))
    for index, step in enumerate(document.steps):
        where = ("steps", index)
        if step.number != index + 1:
            problems.append(((*where, "number"), f"steps must be numbered 1, 2, 3 … in order; "
                             f"expected {index + 1}, found {step.number}"))
        if step.actor not in actor_keys:
            problems.append(((*where, "actor"), f"unknown actor '{step.actor}' (actors: "
                             f"{', '.join(actor_keys)})"))
        if step.recorded_by is not None and step.recorded_by not in actor_keys:
            problems.append(((*where, "recorded_by"), f"unknown actor '{step.recorded_by}'"))
        for participant in step.participants:
            if participant not in actor_keys:
                problems.append(((*where, "participants"), f"unknown actor '{participant}'"))
        if step.returns_to is not None and not 1 <= step.returns_to < step.number:
            problems.append(((*where, "returns_to"),
                             "a step can only send work back to an earlier step"))
        if step.starts_tracks and step.scope != StepScope.PER_UNIT:
            problems.append(((*where, "starts_tracks"),
                             "the step that starts the tracks runs once per reporting unit"))
        if step.waits_for_tracks and step.scope != StepScope.ONCE:
            problems.append(((*where, "waits_for_tracks"),
                             "the step that waits for every track runs once per round"))
    starters = [step.number for step in document.steps if step.starts_tracks]
    per_unit = [step.number for step in document.steps if step.scope == StepScope.PER_UNIT]
    if per_unit and len(starters) != 1:
        problems.append((("steps",), "an SOP with per-unit steps names exactly one step "
                         "with starts_tracks: true"))
    if starters and per_unit and min(per_unit) != starters[0]:
        problems.append((("steps",), "the step that starts the tracks is the first per-unit step"))
    return problems
