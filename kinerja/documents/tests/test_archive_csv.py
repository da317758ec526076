"""The archive's index.csv holds people's text as data, never a formula (issue 9, finding 5)."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from kinerja.core.cells import csv_field
from kinerja.documents import services

pytestmark = pytest.mark.django_db


def test_a_hardcopy_location_written_as_a_formula_is_prefixed_in_the_index(client, org,
                                                                           entry_round):
    documents = services.documents_issue_missing(entry_round)
    location = "=cmd|' /C calc'!A0"
    services.hardcopy_record(user=org.head.user, document=documents[0],
                             filed_on=timezone.localdate(), location=location)
    org.head.name, org.head.title_prefix, org.head.title_suffix = "@SUM(1+1)", "", ""
    org.head.save()
    client.force_login(org.head.user)
    response = client.get(reverse("documents:archive", args=[entry_round.id]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode())))
    row = next(row for row in index if row["hardcopy_location"])
    assert row["hardcopy_location"] == "'" + location
    assert row["hardcopy_filed_by"] == "'@SUM(1+1)"
    for row in index:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+62 812", "'+62 812"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Arsip =1", "Arsip =1"), ("", ""), (None, ""),
    (7, "7"), ("'=1", "'=1"),
])
def test_csv_field_follows_owasp(value, written):
    assert csv_field(value) == written
