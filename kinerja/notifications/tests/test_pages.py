"""The notifications page, marking as read, the e-mail settings, the navigation's badge, and
the API: each person reaches only their own notifications."""

import pytest
from django.urls import reverse

from kinerja.accounts.services import api_token_create
from kinerja.notifications.models import Notification, NotificationPreference
from kinerja.notifications.services import sweep

from .support import assign_open_steps, at

pytestmark = [pytest.mark.django_db, pytest.mark.built_once("entry_round")]


@pytest.fixture
def badge_settings(settings):
    """The context processor the lead adds to settings.TEMPLATES."""
    templates = [dict(engine) for engine in settings.TEMPLATES]
    options = dict(templates[0]["OPTIONS"])
    options["context_processors"] = [
        *options["context_processors"],
        "kinerja.notifications.context_processors.unread",
    ]
    templates[0]["OPTIONS"] = options
    settings.TEMPLATES = templates


@pytest.fixture
def swept(org, entry_round):
    """Friday 14 August 2026 14:00: each data entry holder has two reminders (the first at
    09:00, "time is up" at 14:00)."""
    import time_machine

    assign_open_steps(entry_round, at(13, 13))
    for moment in (at(14, 9), at(14, 14)):
        with time_machine.travel(moment, tick=False):
            sweep()
    return Notification.objects.filter(recipient=org.staff_x).order_by("id")


def test_the_list_shows_ones_own_newest_first_unread_marked(client, org, swept):
    client.force_login(org.staff_x.user)
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["notification"] for row in rows] == list(swept.order_by("-created_at", "-id"))
    assert all(row["notification"].recipient == org.staff_x for row in rows)
    track = rows[0]["notification"].execution.track
    assert rows[0]["url"] == reverse("collection:track_detail", args=[track.round_id, track.id])
    assert page.content.decode().count("data-unread") == 2


def test_mark_one_and_all_as_read(client, org, swept):
    first, second = swept
    client.force_login(org.staff_x.user)
    response = client.post(reverse("notifications:read", args=[first.id]))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=org.staff_x, read_at__isnull=True).exists()
    # Someone else's unread are untouched.
    assert Notification.objects.filter(recipient=org.staff_y, read_at__isnull=True).count() == 2


@pytest.mark.parametrize("persona", ["staff_y", "head", "outsider"])
def test_another_person_cannot_mark_ones_notification(client, org, swept, persona):
    client.force_login(getattr(org, persona).user)
    response = client.post(reverse("notifications:read", args=[swept[0].id]))
    assert response.status_code == 404
    assert (
        swept[0].read_at is None
        and not Notification.objects.filter(pk=swept[0].pk, read_at__isnull=False).exists()
    )


def test_pages_need_a_person(client, org, swept, django_user_model):
    for name, args, method in [
        ("notifications:list", [], "get"),
        ("notifications:read", [swept[0].id], "post"),
        ("notifications:read_all", [], "post"),
        ("notifications:preferences", [], "post"),
    ]:
        url = reverse(name, args=args)
        client.logout()
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        client.force_login(django_user_model.objects.get_or_create(username="nobody")[0])
        assert getattr(client, method)(url).status_code == 403, name
    assert not Notification.objects.filter(read_at__isnull=False).exists()


def test_marking_is_a_post(client, org, swept):
    client.force_login(org.staff_x.user)
    assert client.get(reverse("notifications:read", args=[swept[0].id])).status_code == 405
    assert client.get(reverse("notifications:read_all")).status_code == 405


def test_preferences_are_saved_and_bad_input_refused(client, org):
    client.force_login(org.staff_x.user)
    url = reverse("notifications:preferences")
    assert client.post(url, {"delivery": "digest"}).status_code == 302
    preference = NotificationPreference.objects.get(person=org.staff_x)
    assert (preference.email_enabled, preference.delivery) == (False, "digest")
    assert client.post(url, {"email_enabled": "on", "delivery": "immediate"}).status_code == 302
    preference.refresh_from_db()
    assert (preference.email_enabled, preference.delivery) == (True, "immediate")
    assert client.post(url, {"email_enabled": "on", "delivery": "hourly"}).status_code == 400
    preference.refresh_from_db()
    assert preference.delivery == "immediate"
    assert not NotificationPreference.objects.filter(person=org.staff_y).exists()


def test_the_badge_counts_unread_with_words(client, org, swept, badge_settings):
    client.force_login(org.staff_x.user)
    page = client.get(reverse("core:my_tasks"))
    assert page.context["unread_notification_count"] == 2
    html = page.content.decode()
    assert 'id="unread-badge"' in html and reverse("notifications:list") in html
    assert "visually-hidden" in html.split('id="unread-badge"')[1].split("</a>")[0]
    # On a phone the menu is folded: its button carries the count too.
    assert '<span class="badge rounded-pill text-bg-danger" id="unread-badge-menu">2<' in html
    client.post(reverse("notifications:read_all"))
    page = client.get(reverse("core:my_tasks"))
    assert page.context["unread_notification_count"] == 0
    assert 'id="unread-badge"' not in page.content.decode()
    assert 'id="unread-badge-menu"' not in page.content.decode()


def test_no_badge_for_anonymous_or_a_login_without_person(
    client, badge_settings, django_user_model
):
    page = client.get(reverse("accounts:login"))
    assert "unread_notification_count" not in page.context
    client.force_login(django_user_model.objects.create_user("nobody"))
    page = client.get(reverse("accounts:password_change"))
    assert "unread_notification_count" not in page.context


# -- the API -----------------------------------------------------------------------------------


def bearer(person) -> dict:
    return {"Authorization": f"Bearer {api_token_create(user=person.user, name='t')[1]}"}


def test_api_lists_ones_own_read_and_unread(client, org, swept):
    Notification.objects.filter(pk=swept[0].pk).update(read_at=swept[0].created_at)
    answer = client.get("/api/v1/notifications", headers=bearer(org.staff_x))
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2 and body["unread"] == 1
    assert {item["id"] for item in body["items"]} == {n.id for n in swept}
    assert {item["kind"] for item in body["items"]} == {"reminder_share", "reminder_due"}
    page = client.get("/api/v1/notifications?limit=1&offset=1", headers=bearer(org.staff_x))
    assert [item["id"] for item in page.json()["items"]] == [swept[0].id]
    huge = client.get(f"/api/v1/notifications?offset={2**63 - 1}", headers=bearer(org.staff_x))
    assert huge.status_code == 200 and huge.json()["items"] == []
    assert (
        client.get("/api/v1/notifications?limit=1000", headers=bearer(org.staff_x)).status_code
        == 422
    )


def test_api_marks_read_own_only(client, org, swept):
    path = f"/api/v1/notifications/{swept[0].id}/read"
    for persona in ("staff_y", "head", "outsider"):
        answer = client.post(path, headers=bearer(getattr(org, persona)))
        assert answer.status_code == 404, persona
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    answer = client.post(path, headers=bearer(org.staff_x))
    assert answer.status_code == 200 and answer.json()["read_at"] is not None
    answer = client.post("/api/v1/notifications/read-all", headers=bearer(org.staff_y))
    assert answer.json() == {"marked": 2}
    assert Notification.objects.filter(recipient=org.staff_x, read_at__isnull=True).count() == 1


def test_api_refuses_anonymous_and_a_login_without_person(client, org, swept, django_user_model):
    for method, path in [
        ("get", "/api/v1/notifications"),
        ("post", f"/api/v1/notifications/{swept[0].id}/read"),
        ("post", "/api/v1/notifications/read-all"),
    ]:
        assert getattr(client, method)(path).status_code == 401
        nobody = django_user_model.objects.get_or_create(username="nobody")[0]
        headers = {"Authorization": f"Bearer {api_token_create(user=nobody, name='t')[1]}"}
        assert getattr(client, method)(path, headers=headers).status_code == 403
    assert not Notification.objects.filter(read_at__isnull=False).exists()
