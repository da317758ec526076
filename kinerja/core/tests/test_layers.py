"""The layer order of Kinerja's packages (pyproject.toml, [tool.importlinter]) holds: core
imports no app, and no app imports one above it. `make lint` runs the same check; this test
makes the suite guard it too. A failure prints the offending imports with their lines."""

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[3]


def test_the_layers_contract_is_kept(capsys):
    # The cache would be a directory in the work tree: the graph is built afresh (≈ 2 s).
    result = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                          no_logo=True)
    output = capsys.readouterr().out
    assert result == 0, output
    assert "Kinerja's layers KEPT" in output
