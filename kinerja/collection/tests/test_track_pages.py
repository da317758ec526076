"""Steps 5–7 through the unit's page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kinerja.collection.models import Evidence, IndicatorValue, TrackStage

pytestmark = pytest.mark.django_db


def post(client, person, track, action, data=None, **extra):
    client.force_login(person.user)
    return client.post(reverse("collection:track_action",
                               args=[track.round_id, track.id, action]), data or {}, **extra)


def test_staff_fill_submit_and_the_kabid_returns_then_approves(client, org, entry_round,
                                                               catalogue):
    track = entry_round.tracks.get(unit=org.division_x)
    x1, x2 = catalogue[0], catalogue[1]
    client.force_login(org.staff_x.user)
    tasks = client.get(reverse("core:my_tasks")).context["tasks"]
    assert [(t.code, t.url) for t in tasks] == [("enter", reverse(
        "collection:track_detail", args=[track.round_id, track.id]))]
    page = client.get(tasks[0].url)
    assert page.status_code == 200 and "enter" in page.context["codes"]

    response = post(client, org.staff_x, track, "values", {
        f"value-{x1.id}": "1.234,5", f"version-{x1.id}": "0", f"explanation-{x1.id}": "Ok",
        f"value-{x2.id}": "abc", f"version-{x2.id}": "0"})
    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    # 1.234,5 against a target of 10 breaks the plausibility rule: confirmed and explained.
    response = post(client, org.staff_x, track, "values", {
        f"value-{x1.id}": "1.234,5", f"version-{x1.id}": "0", f"explanation-{x1.id}": "Ok",
        f"confirm-{x1.id}": "on",
        f"value-{x2.id}": "3", f"version-{x2.id}": "0", f"explanation-{x2.id}": "Kurang"})
    assert response.status_code == 302
    assert post(client, org.staff_x, track, "complete",
                {"version": track.version}).status_code == 302
    track.refresh_from_db()
    assert post(client, org.staff_x, track, "submit",
                {"version": track.version}).status_code == 302
    track.refresh_from_db()
    assert track.stage == TrackStage.SUBMITTED

    client.force_login(org.kabid_x.user)
    assert [t.code for t in client.get(reverse("core:my_tasks")).context["tasks"]] == [
        "validate"]
    response = post(client, org.kabid_x, track, "return", {
        "version": track.version, "reason": "X2 terlalu rendah", f"comment-{x2.id}": "Cek"})
    assert response.status_code == 302
    client.force_login(org.staff_x.user)
    page = client.get(reverse("collection:track_detail", args=[track.round_id, track.id]))
    assert "X2 terlalu rendah" in page.content.decode()
    assert "Cek" in page.content.decode()


def test_head_sees_the_recap_only_after_submission(client, org, entry_round, catalogue):
    track = entry_round.tracks.get(unit=org.division_x)
    url = reverse("collection:track_detail", args=[track.round_id, track.id])
    client.force_login(org.head.user)
    assert client.get(url).status_code == 403
    track.stage = TrackStage.SUBMITTED
    track.save()
    assert client.get(url).status_code == 200
    client.force_login(org.kasubbid_data.user)  # inside Bidang X, so it sees its own draft
    assert client.get(url).status_code == 200
    y_track = entry_round.tracks.get(unit=org.division_y)
    y_track.stage = TrackStage.SUBMITTED
    y_track.save()
    y_url = reverse("collection:track_detail", args=[y_track.round_id, y_track.id])
    assert client.get(y_url).status_code == 403  # the data subsection: after hand-over only
    y_track.stage = TrackStage.HANDED_OVER
    y_track.save()
    assert client.get(y_url).status_code == 200


def test_evidence_is_checked_by_content_and_served_with_permission(client, org, entry_round,
                                                                   catalogue, settings,
                                                                   tmp_path):
    settings.MEDIA_ROOT = tmp_path
    track = entry_round.tracks.get(unit=org.division_x)
    x1 = catalogue[0]
    post(client, org.staff_x, track, "values", {f"value-{x1.id}": "5", f"version-{x1.id}": "0"})
    fake = SimpleUploadedFile("bukti.pdf", b"MZ\x90\x00 not a pdf")
    response = post(client, org.staff_x, track, "evidence", {"indicator": x1.id, "file": fake})
    assert response.status_code == 409
    assert not Evidence.objects.exists()
    pdf = SimpleUploadedFile("bukti.pdf", b"%PDF-1.4\n%real enough\n")
    assert post(client, org.staff_x, track, "evidence",
                {"indicator": x1.id, "file": pdf}).status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf"
    url = reverse("collection:evidence_download", args=[evidence.id])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")
    client.force_login(org.staff_y.user)
    assert client.get(url).status_code == 403


def test_oversized_evidence_is_refused(client, org, entry_round, catalogue, settings,
                                       tmp_path):
    from kinerja.collection.recap import settings_for

    settings.MEDIA_ROOT = tmp_path
    rules = settings_for(org.agency)
    rules.max_evidence_megabytes = 1
    rules.save()
    track = entry_round.tracks.get(unit=org.division_x)
    x1 = catalogue[0]
    post(client, org.staff_x, track, "values", {f"value-{x1.id}": "5", f"version-{x1.id}": "0"})
    big = SimpleUploadedFile("besar.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))
    assert post(client, org.staff_x, track, "evidence",
                {"indicator": x1.id, "file": big}).status_code == 409
    assert not Evidence.objects.exists()
