"""The agency (OPD), its units, the posts in them and the people who hold them.

A person's roles come only from the positions they hold (definitively, or acting as Plt./Plh.
for a date range); there are no hand-set role flags.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .nip import format_nip, normalise_nip, parse_nip


class Agency(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=250)
    short_name = models.CharField(_("short name"), max_length=80)
    government_name = models.CharField(
        _("government"), max_length=150, help_text=_("e.g. Pemerintah Kabupaten Banggai")
    )
    address = models.CharField(_("address"), max_length=250, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name


class FunctionTag(models.Model):
    """What a unit does, so that an SOP can name "the data subsection" of any agency."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("unit function")
        verbose_name_plural = _("unit functions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    AGENCY = "agency", _("Agency")
    SECRETARIAT = "secretariat", _("Secretariat")
    SUBSECTION = "subsection", _("Subsection (Subbagian)")
    DIVISION = "division", _("Division (Bidang)")
    SUBDIVISION = "subdivision", _("Subdivision (Subbidang)")


# Which kind of unit sits under which: the structure of a Badan under PP 18/2016.
ALLOWED_PARENT_KIND = {
    UnitKind.AGENCY: None,
    UnitKind.SECRETARIAT: UnitKind.AGENCY,
    UnitKind.DIVISION: UnitKind.AGENCY,
    UnitKind.SUBSECTION: UnitKind.SECRETARIAT,
    UnitKind.SUBDIVISION: UnitKind.DIVISION,
}
REPORTING_UNIT_KINDS = (UnitKind.SECRETARIAT, UnitKind.DIVISION)


class Unit(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units",
                               verbose_name=_("agency"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("parent unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=250)
    functions = models.ManyToManyField(FunctionTag, blank=True, related_name="units",
                                       verbose_name=_("functions"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["agency", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="unit_code_unique_in_agency"),
            models.UniqueConstraint(fields=["agency"], condition=Q(kind="agency"),
                                    name="one_root_unit_per_agency"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = ALLOWED_PARENT_KIND.get(self.kind)
        if expected is None and self.parent_id:
            raise ValidationError({"parent": _("The agency unit has no parent.")})
        if expected is not None:
            if self.parent is None:
                raise ValidationError({"parent": _("This kind of unit needs a parent unit.")})
            if self.parent.kind != expected:
                raise ValidationError({"parent": _("A unit of kind “%(kind)s” belongs under a unit "
                                                  "of kind “%(parent)s”.") % {
                    "kind": UnitKind(self.kind).label, "parent": UnitKind(expected).label}})
            if self.parent.agency_id != self.agency_id:
                raise ValidationError({"parent": _("The parent unit belongs to another agency.")})

    @property
    def is_reporting_unit(self) -> bool:
        return self.kind in REPORTING_UNIT_KINDS


class PositionKind(models.TextChoices):
    HEAD = "head", _("Head of agency")
    SECRETARY = "secretary", _("Secretary")
    DIVISION_HEAD = "division_head", _("Head of division (Kabid)")
    SUBSECTION_HEAD = "subsection_head", _("Head of subsection (Kasubbag)")
    SUBDIVISION_HEAD = "subdivision_head", _("Head of subdivision (Kasubbid)")
    STAFF = "staff", _("Staff (Jabatan Pelaksana/Fungsional)")


# The head post each kind of unit has; staff posts may sit in any unit.
HEAD_POSITION_OF_UNIT = {
    UnitKind.AGENCY: PositionKind.HEAD,
    UnitKind.SECRETARIAT: PositionKind.SECRETARY,
    UnitKind.DIVISION: PositionKind.DIVISION_HEAD,
    UnitKind.SUBSECTION: PositionKind.SUBSECTION_HEAD,
    UnitKind.SUBDIVISION: PositionKind.SUBDIVISION_HEAD,
}


class Position(models.Model):
    """A post in a unit: the unit's head post (one per unit) or a staff post (many holders)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="positions",
                             verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=PositionKind.choices)
    title = models.CharField(_("title"), max_length=250,
                             help_text=_("As written in signature blocks, e.g. Kepala Bidang "
                                         "Pemerintahan dan Pembangunan Manusia"))

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["unit__order", "unit__name", "kind", "title"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], condition=~Q(kind="staff"),
                                    name="one_head_post_per_unit"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.kind != PositionKind.STAFF and self.unit_id:
            expected = HEAD_POSITION_OF_UNIT[UnitKind(self.unit.kind)]
            if self.kind != expected:
                raise ValidationError({"kind": _("The head post of a unit of kind “%(unit)s” is "
                                                "“%(kind)s”.") % {
                    "unit": UnitKind(self.unit.kind).label, "kind": expected.label}})

    @property
    def is_head_post(self) -> bool:
        return self.kind != PositionKind.STAFF


class NumberKind(models.TextChoices):
    NIP = "nip", _("NIP (civil servant)")
    PPPK = "pppk", _("NI PPPK (contract civil servant)")
    NONE = "none", _("No employee number")


class Rank(models.TextChoices):
    I_A = "I/a", "Juru Muda, I/a"
    I_B = "I/b", "Juru Muda Tingkat I, I/b"
    I_C = "I/c", "Juru, I/c"
    I_D = "I/d", "Juru Tingkat I, I/d"
    II_A = "II/a", "Pengatur Muda, II/a"
    II_B = "II/b", "Pengatur Muda Tingkat I, II/b"
    II_C = "II/c", "Pengatur, II/c"
    II_D = "II/d", "Pengatur Tingkat I, II/d"
    III_A = "III/a", "Penata Muda, III/a"
    III_B = "III/b", "Penata Muda Tingkat I, III/b"
    III_C = "III/c", "Penata, III/c"
    III_D = "III/d", "Penata Tingkat I, III/d"
    IV_A = "IV/a", "Pembina, IV/a"
    IV_B = "IV/b", "Pembina Tingkat I, IV/b"
    IV_C = "IV/c", "Pembina Utama Muda, IV/c"
    IV_D = "IV/d", "Pembina Utama Madya, IV/d"
    IV_E = "IV/e", "Pembina Utama, IV/e"


class Person(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people",
                               verbose_name=_("agency"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="person", verbose_name=_("log-in"))
    name = models.CharField(_("name"), max_length=150, help_text=_("Without academic titles."))
    title_prefix = models.CharField(_("title before the name"), max_length=40, blank=True,
                                    help_text=_("e.g. Dr. or Ir."))
    title_suffix = models.CharField(_("title after the name"), max_length=80, blank=True,
                                    help_text=_("e.g. S.Sos., M.Si."))
    number_kind = models.CharField(_("kind of number"), max_length=8, choices=NumberKind.choices,
                                   default=NumberKind.NIP)
    employee_number = models.CharField(_("NIP"), max_length=24, blank=True, null=True,
                                       unique=True, help_text=_("18 digits, without spaces."))
    rank = models.CharField(_("rank and grade"), max_length=6, choices=Rank.choices, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        name = f"{self.title_prefix} {self.name}".strip()
        return f"{name}, {self.title_suffix}" if self.title_suffix else name

    @property
    def formatted_number(self) -> str:
        return format_nip(self.employee_number) if self.employee_number else ""

    def clean(self) -> None:
        if self.employee_number:
            self.employee_number = normalise_nip(self.employee_number)
        if self.number_kind == NumberKind.NONE:
            if self.employee_number:
                raise ValidationError({"employee_number": _(
                    "Leave the number empty for a person without an employee number.")})
            self.employee_number = None
            return
        if not self.employee_number:
            raise ValidationError({"employee_number": _("Enter the 18-digit number.")})
        if self.number_kind == NumberKind.NIP:
            try:
                parse_nip(self.employee_number)
            except ValidationError as error:
                raise ValidationError({"employee_number": error.messages}) from None
        elif len(self.employee_number) != 18 or not self.employee_number.isdigit():
            raise ValidationError({"employee_number": _("An NI PPPK has exactly 18 digits.")})
        if self.user_id and self.user and self.user.is_superuser:
            raise ValidationError({"user": _("The installation's superuser is not a person "
                                             "of an agency.")})

    def holdings_on(self, day: date | None = None):
        """Positions held on the day (today in WITA by default), definitive ones first."""
        day = day or timezone.localdate()
        return (
            self.holdings.on(day)
            .select_related("position__unit")
            .order_by("capacity", "position__kind")
        )


class Capacity(models.TextChoices):
    # Ordered so that definitive holdings sort first.
    DEFINITIVE = "definitive", _("Definitive")
    PLT = "plt", _("Plt. (acting, post vacant)")
    PLH = "plh", _("Plh. (acting, holder away)")


class HoldingQuerySet(models.QuerySet):
    def on(self, day: date):
        """The holdings in force on the day."""
        return self.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day))


class PositionHolding(models.Model):
    """A person holding a position: definitively, or acting (Plt./Plh.) for a date range."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="holdings",
                               verbose_name=_("person"))
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="holdings",
                                 verbose_name=_("position"))
    capacity = models.CharField(_("capacity"), max_length=12, choices=Capacity.choices,
                                default=Capacity.DEFINITIVE)
    start_date = models.DateField(_("from"), default=date(2020, 1, 1))
    end_date = models.DateField(_("until"), null=True, blank=True)
    decree = models.CharField(_("decree (SK)"), max_length=120, blank=True)

    objects = HoldingQuerySet.as_manager()

    class Meta:
        verbose_name = _("position held")
        verbose_name_plural = _("positions held")
        ordering = ["person__name", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True)
                                   | Q(end_date__gte=F("start_date")),
                                   name="holding_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity="definitive") | Q(end_date__isnull=False),
                                   name="acting_holding_has_end_date"),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name}: {self.signing_title}"

    @property
    def is_acting(self) -> bool:
        return self.capacity != Capacity.DEFINITIVE

    @property
    def signing_title(self) -> str:
        """The position as written above a signature: "Plt. Kepala Badan ..." when acting."""
        prefix = {Capacity.PLT: "Plt. ", Capacity.PLH: "Plh. "}.get(self.capacity, "")
        return f"{prefix}{self.position.title}"

    def clean(self) -> None:
        if self.is_acting and not self.end_date:
            raise ValidationError({"end_date": _("An acting appointment (Plt./Plh.) needs an "
                                                 "end date.")})
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date is before the start date.")})
        if self.person_id and self.position_id and (
            self.person.agency_id != self.position.unit.agency_id
        ):
            raise ValidationError({"position": _("The position belongs to another agency.")})
        if self.position_id and self.position.is_head_post and self.start_date:
            # One holder per head post and capacity at a time (a Plh. may stand beside the
            # definitive holder who is away, but not beside another Plh.).
            overlapping = PositionHolding.objects.filter(
                position=self.position, capacity=self.capacity,
                start_date__lte=self.end_date or date.max,
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            if overlapping.exists():
                raise ValidationError({"position": _(
                    "This post is already held in that capacity for part of these dates.")})
