"""Builds the demo agencies. Only in demo mode: a production install has no demo passwords."""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kinerja.catalogue.demo import demo_catalogue
from kinerja.core.errors import DomainError
from kinerja.organisation.models import (
    Agency,
    Capacity,
    NumberKind,
    Person,
    Position,
    PositionHolding,
    Unit,
)
from kinerja.organisation.setup import ensure_agency_admin_group, ensure_function_tags
from kinerja.sops.services import sop_load
from kinerja.worktime.calendar import Calendar

from . import clock, timeline
from .data import DEMO_AGENCIES, demo_email
from .rounds import demo_rounds

SOP_DIR = Path(settings.BASE_DIR) / "kinerja/sops/data"
SEED_SOP = SOP_DIR / "sop-mekanisme-pengumpulan-data-kinerja.yaml"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    name: str
    position: str
    unit: str
    agency: str


def require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise DomainError("Demo accounts exist only in demo mode (KINERJA_DEMO=1).",
                          code="not_demo_mode")


@transaction.atomic
def demo_setup() -> list[DemoAccount]:
    """Create (or bring back to their demo state) the demo agencies, their people, SOPs and
    catalogues, and play their rounds (once: rounds already there are kept)."""
    require_demo_mode()
    today = timezone.localdate()
    # The people, SOP and catalogue were there before the demo's first round: set up at a
    # moment of the past (kinerja/demo/clock.py), the rounds then each at their own.
    with clock.moved_to(timeline.history_start(Calendar.default(), clock.real_now())):
        ensure_agency_admin_group()
        tags = ensure_function_tags()
        agencies = []
        for spec in DEMO_AGENCIES:
            agency = _agency(spec, tags, today)
            sop_load(agency=agency, text=sop_text_for(spec), source_name=spec["sop"])
            _document_settings(agency, spec)
            demo_catalogue(agency=agency, catalogue=spec["catalogue"])
            agencies.append(agency)
    for agency in agencies:
        demo_rounds(agency)
    return demo_accounts()


def _document_settings(agency: Agency, spec: dict) -> None:
    """Letterhead place and a self-signed certificate, so the demo's documents are signed
    (and their verification page says the certificate is only the demo's)."""
    from django.core.files.base import ContentFile

    from kinerja.documents.models import DocumentSettings
    from kinerja.documents.signing import self_signed_pkcs12

    doc_settings, _ = DocumentSettings.objects.get_or_create(agency=agency)
    doc_settings.city = spec.get("city", "Luwuk")
    if not doc_settings.signing_certificate:
        doc_settings.signing_certificate.save(f"{agency.code}-demo.p12",
                                              ContentFile(self_signed_pkcs12(agency)),
                                              save=False)
        doc_settings.certificate_self_signed = True
    doc_settings.save()


def sop_text_for(spec: dict) -> str:
    """The agency's own SOP file, as it is loaded."""
    return (SOP_DIR / spec["sop"]).read_text(encoding="utf-8")


def _agency(spec: dict, tags: dict, today: date) -> Agency:
    agency, _ = Agency.objects.update_or_create(code=spec["code"], defaults={
        key: spec[key] for key in ("name", "short_name", "government_name", "address")})
    units: dict[str, Unit] = {}
    for order, (code, name, kind, parent, functions) in enumerate(spec["units"]):
        unit, _ = Unit.objects.update_or_create(agency=agency, code=code, defaults={
            "name": name, "kind": kind, "parent": units.get(parent), "order": order})
        unit.functions.set([tags[tag] for tag in functions])
        units[code] = unit
    user_model = get_user_model()
    admin_group = ensure_agency_admin_group()
    for row in spec["people"]:
        (username, prefix, name, suffix, nip, rank, unit_code, kind, title, acting) = row
        user, _ = user_model.objects.get_or_create(username=username)
        if not acting:
            user.set_password(settings.DEMO_PASSWORD)
            user.is_staff = username in spec["admins"]
            user.save()
            if user.is_staff:
                user.groups.add(admin_group)
            number_kind = NumberKind.NIP if nip else NumberKind.NONE
            if nip.startswith("pppk:"):
                number_kind, nip = NumberKind.PPPK, nip.removeprefix("pppk:")
            Person.objects.update_or_create(user=user, defaults={
                "agency": agency, "name": name, "title_prefix": prefix,
                "title_suffix": suffix, "employee_number": nip or None,
                "number_kind": number_kind, "rank": rank, "email": demo_email(username)})
        person = Person.objects.get(user=user)
        person.full_clean()
        position, _ = Position.objects.get_or_create(unit=units[unit_code], kind=kind,
                                                     title=title)
        if acting:
            PositionHolding.objects.update_or_create(
                person=person, position=position, capacity=Capacity(acting), defaults={
                    # Acting since before the demo's first round, whose steps they sign.
                    "start_date": today - timedelta(days=timeline.HISTORY_DAYS),
                    "end_date": today + timedelta(days=180),
                    "decree": "SK Bupati Banggai (demo)"})
        else:
            PositionHolding.objects.update_or_create(
                person=person, position=position, capacity=Capacity.DEFINITIVE,
                defaults={"start_date": today.replace(year=today.year - 2)})
    return agency


def demo_accounts() -> list[DemoAccount]:
    """Every demo log-in with its password, in the order of the demo data."""
    require_demo_mode()
    accounts = []
    for spec in DEMO_AGENCIES:
        for username, *_rest in spec["people"]:
            person = Person.objects.filter(user__username=username).select_related(
                "agency").first()
            if person is None or any(a.username == username for a in accounts):
                continue
            holdings = list(person.holdings_on())
            position = "; ".join(h.signing_title for h in holdings)
            unit = "; ".join(h.position.unit.name for h in holdings)
            accounts.append(DemoAccount(username, settings.DEMO_PASSWORD, person.full_name,
                                        position, unit, person.agency.short_name))
    return accounts

