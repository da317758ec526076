"""The lock-out page says how long in words, in the person's language (not axes' "PT15M")."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kinerja.core.lockout import duration_in_words

pytestmark = pytest.mark.django_db


def lock_out(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "staff_x", "password": "wrong"},
                    REMOTE_ADDR="10.1.2.3")
    return client.post(reverse("accounts:login"), {"username": "staff_x", "password": "wrong"},
                       REMOTE_ADDR="10.1.2.3")


@pytest.mark.parametrize("language, words", [("id", "15 menit"), ("en", "15 minutes")])
def test_the_lock_out_page_says_the_cool_off_in_words(client, org, settings, language, words):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    response = lock_out(client, language)
    assert response.status_code == 429
    page = response.content.decode()
    assert words in page
    assert "PT15M" not in page


@pytest.mark.parametrize("minutes, indonesian, english", [
    (1, "1 menit", "1 minute"),
    (60, "1 jam", "1 hour"),
    (90, "1 jam 30 menit", "1 hour 30 minutes"),
    (125, "2 jam 5 menit", "2 hours 5 minutes"),
])
def test_durations_in_words(minutes, indonesian, english):
    with translation.override("id"):
        assert duration_in_words(timedelta(minutes=minutes)) == indonesian
    with translation.override("en"):
        assert duration_in_words(timedelta(minutes=minutes)) == english
