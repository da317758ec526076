"""Hostile and malformed SOP files: every one is refused with a line-numbered problem that names
what is wrong (or the limit it crosses), never a traceback, and nothing is loaded."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from kinerja.core import limits
from kinerja.core.tests.hostile import BILLION_LAUGHS
from kinerja.sops.loader import SopFileError, parse_sop
from kinerja.sops.models import Sop
from kinerja.sops.services import sop_load

# Few aliases, doubling on each level: stays under the alias count, not under the expansion.
DOUBLING = "".join(f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}]\n" for n in range(1, 24))
DOUBLING = "l0: &l0 [lol]\n" + DOUBLING


@pytest.fixture(autouse=True)
def english():
    """The loader's messages are asserted in their msgid language."""
    with translation.override("en"):
        yield


def problems_of(text: str) -> list[str]:
    with pytest.raises(SopFileError) as error:
        parse_sop(text)
    return error.value.problems


def test_the_billion_laughs_is_refused_by_the_alias_limit():
    assert len(BILLION_LAUGHS) < 400
    (problem,) = problems_of(BILLION_LAUGHS)
    assert problem.startswith("line 7, column ")
    assert f"more than {limits.SOP_YAML_MAX_ALIASES} aliases" in problem


def test_aliases_that_expand_too_far_are_refused_by_the_expansion_limit():
    (problem,) = problems_of(DOUBLING)
    assert problem.startswith("line ")
    assert f"more than {limits.SOP_YAML_MAX_VALUES:,} values" in problem


def test_a_few_aliases_are_still_allowed(seed_sop_text):
    text = seed_sop_text.replace("title: Mekanisme Pengumpulan Data Kinerja",
                                 "title: &title Mekanisme Pengumpulan Data Kinerja", 1)
    text = text.replace("warnings:\n", "warnings:\n  - *title\n", 1)
    document = parse_sop(text)
    assert document.warnings[0] == document.title == "Mekanisme Pengumpulan Data Kinerja"


@pytest.mark.parametrize("text", ["a: &a [x, *a]\n", "a: &a {x: *a}\n",
                                  "a: &a\n  b:\n    - *a\n"])
def test_an_alias_cycle_is_refused(text):
    (problem,) = problems_of(text)
    assert problem.startswith("line ")
    assert "alias *a refers to a value that contains it (an alias cycle)" in problem


@pytest.mark.parametrize("text", ["[" * 5000 + "]" * 5000,
                                  "a: " + "{b: " * 5000 + "c" + "}" * 5000 + "\n"])
def test_deep_nesting_is_refused_by_the_depth_limit(text):
    (problem,) = problems_of(text)
    assert problem.startswith("line 1, column ")
    assert f"nested deeper than {limits.SOP_YAML_MAX_DEPTH} levels" in problem


@pytest.mark.parametrize("text", ["[a, b]: x\n", "? [a, b]\n: x\n", "{a: 1}: x\n",
                                  "number: 1\n? - a\n: x\n"])
def test_a_list_or_mapping_as_a_key_is_refused(text):
    (problem,) = problems_of(text)
    assert problem.startswith(f"line {text.count(chr(10), 0, text.index('a')) + 1}, column ")
    assert "a key must be a plain value, not a list or a mapping" in problem


def test_an_impossible_date_is_refused_with_its_line(seed_sop_text):
    text = seed_sop_text.replace("made: 2020-02-05", "made: 2026-02-30")
    (problem,) = problems_of(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "2026-02-30" in row)
    assert problem.startswith(f"line {line}, column ")
    assert "“2026-02-30” is not a valid timestamp" in problem


@pytest.mark.parametrize("value, kind", [("!!int abc", "int"), ("!!float abc", "float"),
                                         ("!!timestamp abc", "timestamp"),
                                         ("!!bool maybe", "bool")])
def test_a_tag_that_does_not_fit_its_value_is_refused(seed_sop_text, value, kind):
    text = seed_sop_text.replace("time_minutes: 30", f"time_minutes: {value}")
    (problem,) = problems_of(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if value in row)
    assert problem.startswith(f"line {line}, column ")
    assert f"is not a valid {kind}" in problem


def test_a_file_over_the_size_limit_is_refused_before_parsing():
    text = "a: " + "x" * limits.SOP_FILE_MAX_BYTES + "\n"
    (problem,) = problems_of(text)
    assert problem == (f"line 1: the file is larger than {limits.SOP_FILE_MAX_BYTES // 1024} "
                       "KB, the limit for an SOP file")


@pytest.mark.django_db
def test_sop_load_refuses_the_hostile_files(org):
    for text in (BILLION_LAUGHS, "[" * 5000 + "]" * 5000, "a: &a [*a]\n"):
        with pytest.raises(SopFileError):
            sop_load(agency=org.agency, text=text)
    assert not Sop.objects.exists()


@pytest.mark.django_db
def test_loadsop_of_a_latin_1_file_names_the_line_and_loads_nothing(org, seed_sop_text,
                                                                     tmp_path):
    path = tmp_path / "latin.yaml"
    text = seed_sop_text.replace("title: Mekanisme", "title: Mekanisme Pengelolaan é")
    path.write_bytes(text.encode("latin-1", errors="replace"))
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "Pengelolaan é" in row)
    with pytest.raises(CommandError) as error:
        call_command("loadsop", str(path), agency=org.agency.code)
    assert f"latin.yaml, line {line}, column " in str(error.value)
    assert "not UTF-8 text" in str(error.value)
    assert not Sop.objects.exists()


@pytest.mark.django_db
def test_loadsop_and_the_admin_share_one_size_limit(client, org, agency_admin, seed_sop_text,
                                                    tmp_path, monkeypatch):
    """Lowering the one limit refuses the seed file on both ways in."""
    monkeypatch.setattr(limits, "SOP_FILE_MAX_BYTES", 2048)
    path = tmp_path / "sop.yaml"
    path.write_text(seed_sop_text)
    with pytest.raises(CommandError, match="larger than 2 KB, the limit for an SOP file"):
        call_command("loadsop", str(path), agency=org.agency.code)
    client.force_login(agency_admin)
    response = client.post(reverse("admin:sops_sop_load"), {
        "agency": org.agency.id,
        "file": SimpleUploadedFile("sop.yaml", seed_sop_text.encode())})
    assert response.status_code == 200
    assert "2 KB" in str(response.context["form"].errors["file"])
    assert not Sop.objects.exists()


@pytest.mark.django_db
def test_the_admin_upload_reports_hostile_files_as_problems(client, org, agency_admin):
    client.force_login(agency_admin)
    url = reverse("admin:sops_sop_load")
    for content in (BILLION_LAUGHS.encode(), b"[" * 5000 + b"]" * 5000, b"[a]: x\n",
                    b"a: &a [*a]\n", b"made: 2026-02-30\n", "a: é\n".encode("latin-1")):
        response = client.post(url, {"agency": org.agency.id,
                                     "file": SimpleUploadedFile("sop.yaml", content)})
        assert response.status_code == 200, content
        shown = list(response.context["problems"]) + list(
            response.context["form"].errors.get("file", []))
        assert shown, content
    assert not Sop.objects.exists()
