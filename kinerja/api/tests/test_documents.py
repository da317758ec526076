"""The round's documents through the API: listed with their hashes, served byte for byte,
and their hardcopy recorded with the version check."""

import hashlib

import pytest
from django.utils import timezone

from kinerja.accounts.services import api_token_create
from kinerja.documents import services

from .support import Caller

pytestmark = pytest.mark.django_db


def test_list_download_and_hardcopy(org, opened_round):
    [filed] = services.documents_issue_missing(opened_round)
    head = Caller(api_token_create(user=org.head.user, name="tests")[1])
    [listed] = head.ok("GET", f"/rounds/{opened_round.id}/documents")
    assert (listed["identifier"], listed["kind"], listed["step"], listed["hardcopy"]) == (
        str(filed.identifier), "disposition", 1, None)
    content = b"".join(head.get(f"/documents/{filed.identifier}").streaming_content)
    assert hashlib.sha256(content).hexdigest() == listed["sha256"] == filed.sha256

    today = timezone.localdate().isoformat()
    recorded = head.ok("POST", f"/documents/{filed.identifier}/hardcopy",
                       {"filed_on": today, "location": "Arsip Sekretariat"})
    assert recorded["version"] == 1 and recorded["filed_by"] == org.head.full_name
    stale = head.request("POST", f"/documents/{filed.identifier}/hardcopy",
                         {"filed_on": today, "location": "Lemari 2"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    head.ok("POST", f"/documents/{filed.identifier}/hardcopy",
            {"filed_on": today, "location": "Lemari 2", "version": 1})
    [listed] = head.ok("GET", f"/rounds/{opened_round.id}/documents")
    assert listed["hardcopy"]["location"] == "Lemari 2" and listed["hardcopy"]["version"] == 2
