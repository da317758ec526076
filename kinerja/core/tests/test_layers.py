"""The layer order of Kinerja's packages (pyproject.toml, [tool.importlinter]) holds: core
imports no app, and no app imports one above it. `make lint` runs the same check; this test
makes the suite guard it too. A failure prints the offending imports with their lines."""

import tomllib
from pathlib import Path

from django.conf import settings
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[3]


def layers_contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [contract for contract in config["tool"]["importlinter"]["contracts"]
                   if contract["id"] == "layers"]
    return contract


def test_the_layers_contract_is_kept(capsys):
    # The cache would be a directory in the work tree: the graph is built afresh (≈ 2 s).
    result = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                          no_logo=True)
    output = capsys.readouterr().out
    assert result == 0, output
    assert "Kinerja's layers KEPT" in output


def test_every_app_has_its_layer():
    """An app left out of the contract could import anything, and anything could import it."""
    layered = {name.strip() for layer in layers_contract()["layers"]
               for name in layer.split("|")}
    apps = {app for app in settings.INSTALLED_APPS if app.startswith("kinerja.")}
    assert apps - layered == set()


def test_no_exception_lets_core_import_an_app():
    """core is the bottom layer with no exceptions: what it holds, every app may use."""
    exceptions = [line for line in layers_contract().get("ignore_imports", [])
                  if line.startswith("kinerja.core.") and not line.startswith("kinerja.core.tests")]
    assert exceptions == []
