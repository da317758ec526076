from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from kinerja import settings as production_settings

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password},
                       REMOTE_ADDR="10.1.2.3", **extra)


def test_log_in_through_the_form_lands_on_my_tasks(client, org):
    response = login(client, "staff_x")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    page = client.get(reverse("core:my_tasks"))
    assert page.status_code == 200
    assert "staff_x" in page.content.decode()


def test_wrong_password_is_refused(client, org):
    response = login(client, "staff_x", "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_account_even_for_the_right_password(client, org):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "staff_x", "wrong-password")
    response = login(client, "staff_x")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked.
    assert login(client, "staff_y").status_code == 302


def test_lock_out_ends_after_the_cool_off(client, org):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(client, "staff_x", "wrong-password")
        assert login(client, "staff_x").status_code == 429
        traveller.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
        assert login(client, "staff_x").status_code == 302


def test_idle_session_expires(client, org):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(org.staff_x.user)
        assert client.get(reverse("core:my_tasks")).status_code == 200
        traveller.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - 60))
        assert client.get(reverse("core:my_tasks")).status_code == 200  # activity extends it
        traveller.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 60))
        response = client.get(reverse("core:my_tasks"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_password_change(client, org):
    client.force_login(org.staff_x.user)
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "not-the-password", "new_password1": "Sulawesi-Tengah-2026",
        "new_password2": "Sulawesi-Tengah-2026"})
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors

    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "short", "new_password2": "short"})
    assert "new_password2" in response.context["form"].errors

    response = client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": "Sulawesi-Tengah-2026",
        "new_password2": "Sulawesi-Tengah-2026"})
    assert response.status_code == 302
    assert client.get(reverse("accounts:password_change_done")).status_code == 200
    org.staff_x.user.refresh_from_db()
    assert check_password("Sulawesi-Tengah-2026", org.staff_x.user.password)


def test_password_change_needs_a_login(client):
    for name in ("accounts:password_change", "accounts:password_change_done"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_production_hashes_passwords_with_argon2(org):
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        user = org.staff_x.user
        user.set_password("Sulawesi-Tengah-2026")
        user.save()
        assert identify_hasher(user.password).algorithm == "argon2"


def test_logout_is_a_post(client, org):
    client.force_login(org.staff_x.user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_indonesian_by_default_whatever_the_browser_asks(client, org):
    client.force_login(org.staff_x.user)
    page = client.get(reverse("core:my_tasks"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "id"
    assert "Tugas saya" in page.content.decode()


def test_language_choice_is_kept_per_user(client, org):
    client.force_login(org.staff_x.user)
    response = client.post(reverse("accounts:set_language"),
                           {"language": "en", "next": reverse("core:my_tasks")})
    assert response.status_code == 302 and response["Location"] == reverse("core:my_tasks")
    org.staff_x.user.refresh_from_db()
    assert org.staff_x.user.language == "en"
    # A new session (another device, no cookie) still gets English.
    other = client.__class__()
    other.force_login(org.staff_x.user)
    page = other.get(reverse("core:my_tasks"))
    assert page["Content-Language"] == "en"
    assert "My tasks" in page.content.decode()


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(client, org):
    client.force_login(org.staff_x.user)
    response = client.post(reverse("accounts:set_language"),
                           {"language": "fr", "next": "/tasks/"})
    org.staff_x.user.refresh_from_db()
    assert org.staff_x.user.language == ""
    response = client.post(reverse("accounts:set_language"),
                           {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_anonymous_language_choice_uses_a_cookie(client):
    response = client.post(reverse("accounts:set_language"), {"language": "en", "next": "/"})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "en"
