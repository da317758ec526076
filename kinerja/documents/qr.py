"""The QR code on a signed document: the address of its public verification page."""

import segno
from django.conf import settings
from django.urls import reverse


def verification_url(identifier) -> str:
    return settings.KINERJA_SITE_URL.rstrip("/") + reverse("documents:verify",
                                                          args=[identifier])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)
