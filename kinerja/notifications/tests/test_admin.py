"""The agency administrator's reminder settings and people's e-mail preferences: their own
agency only. (The "Administrator OPD" group gets these permissions from
organisation/admin_scope.py: AGENCY_ADMIN_PERMISSIONS; they are granted here until it lists
them.)"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from kinerja.core.models import AuditEvent
from kinerja.notifications.models import NotificationPreference, ReminderSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, agency_admin):
    group = agency_admin.groups.get()
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="notifications",
            codename__in=[
                "view_remindersettings",
                "change_remindersettings",
                "add_remindersettings",
                "view_notificationpreference",
                "change_notificationpreference",
                "add_notificationpreference",
            ],
        )
    )
    client.force_login(agency_admin)
    return client


def test_the_administrator_sets_the_agencys_reminders(admin_client, org):
    response = admin_client.post(
        reverse("admin:notifications_remindersettings_add"),
        {"reminder_share": "60", "escalation_enabled": "on"},
    )
    assert response.status_code == 302
    found = ReminderSettings.objects.get()
    assert (found.agency, found.reminder_share) == (org.agency, 60)
    assert AuditEvent.objects.filter(action="notifications.remindersettings.created").exists()
    # One row per agency: no second one.
    assert admin_client.get(reverse("admin:notifications_remindersettings_add")).status_code == 403
    refused = admin_client.post(
        reverse("admin:notifications_remindersettings_change", args=[found.id]),
        {"reminder_share": "100", "escalation_enabled": "on"},
    )
    assert refused.status_code == 200  # the form again, with the error
    found.refresh_from_db()
    assert found.reminder_share == 60


def test_another_agencys_rows_are_out_of_reach(admin_client, org):
    theirs = ReminderSettings.objects.create(agency=org.other_agency, reminder_share=10)
    their_preference = NotificationPreference.objects.create(person=org.outsider)
    mine = NotificationPreference.objects.create(person=org.staff_x)
    listing = admin_client.get(reverse("admin:notifications_notificationpreference_changelist"))
    assert list(listing.context["cl"].result_list) == [mine]
    for name, obj in [
        ("admin:notifications_remindersettings_change", theirs),
        ("admin:notifications_notificationpreference_change", their_preference),
    ]:
        response = admin_client.get(reverse(name, args=[obj.id]))
        assert response.status_code in (302, 403, 404), name
    admin_client.post(
        reverse("admin:notifications_remindersettings_change", args=[theirs.id]),
        {"reminder_share": "99"},
    )
    theirs.refresh_from_db()
    assert theirs.reminder_share == 10
