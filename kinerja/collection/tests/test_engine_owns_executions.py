"""Only the engine writes a `StepExecution` (issue 12): services, views, the API, documents
and the demo ask `collection/engine.py` to open, start, complete, return, close and reopen
steps. A static check over the source, so that a new service cannot write one by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import kinerja

ROOT = Path(kinerja.__file__).resolve().parent
ENGINE = ROOT / "collection" / "engine.py"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update",
          "bulk_update", "delete", "save"}


def _names_in(node: ast.AST) -> set[str]:
    """The names along a receiver chain (`StepExecution.objects.filter(…)`), not its
    arguments: `Document.objects.filter(execution=execution)` writes no execution."""
    found = set()
    while True:
        if isinstance(node, ast.Attribute):
            found.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                found.add(node.id)
            return found


def _is_execution(names: set[str]) -> bool:
    return bool(names & {"StepExecution", "executions", "execution"}) or any(
        name.endswith("_execution") for name in names)


def execution_writes(source: str) -> list[int]:
    """The lines of `source` that write an execution: a write method called on something
    reached from `StepExecution`, `.executions` or a variable named `execution`, a
    `StepExecution(...)` built by hand, or an attribute of an execution assigned."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            written = isinstance(func, ast.Attribute) and func.attr in WRITES and (
                _is_execution(_names_in(func.value)))
            built = isinstance(func, ast.Name) and func.id == "StepExecution"
            if written or built:
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _is_execution(_names_in(target.value)):
                    lines.append(node.lineno)
    return sorted(set(lines))


def _sources() -> list[Path]:
    return [path for path in ROOT.rglob("*.py")
            if "tests" not in path.parts and "migrations" not in path.parts
            and path != ENGINE and path.name != "conftest.py"]


def test_no_module_but_the_engine_writes_a_step_execution():
    offenders = {str(path.relative_to(ROOT)): lines for path in _sources()
                 if (lines := execution_writes(path.read_text(encoding="utf-8")))}
    assert offenders == {}


def test_the_check_finds_each_way_of_writing_one():
    """The check itself: each way a service used to write executions is found."""
    source = "\n".join([
        "StepExecution.objects.create(round=r, step=s)",             # 1: opening by hand
        "execution.started_at = now",                                # 2: starting by hand
        "execution.save(update_fields=['started_at'])",              # 3
        "StepExecution.objects.filter(round=r).update(status='x')",  # 4: closing by hand
        "round_.executions.create(step=s)",                          # 5
        "StepExecution(round=r)",                                    # 6
        "open_execution.status = 'done'",                            # 7
        "StepExecution.objects.filter(round=r).exists()",            # reading is allowed
        "track.save(update_fields=['version'])",                     # other models too
        "Document.objects.filter(execution=execution).update(x=1)",  # one that names it
    ])
    assert execution_writes(source) == [1, 2, 3, 4, 5, 6, 7]


def test_the_engine_itself_is_found_writing_them():
    """The engine is left out of the check by name, not because the check cannot see it."""
    assert execution_writes(ENGINE.read_text(encoding="utf-8"))
