"""The agency's indicator catalogue: its Renstra period, goals (tujuan), objectives (sasaran),
indicators and their yearly targets.

The same catalogue serves the quarterly monitoring and the year's LKjIP (docs/domain.md §8); how a
realisation becomes an achievement lives in `achievement.py`, not here.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kinerja.organisation.models import Agency, Unit

from .choices import Aggregation, DataType, Polarity

MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_PERIOD_YEARS = 10


def value_field(verbose_name, **kwargs) -> models.DecimalField:
    # Four decimals cover indices (0,3215) and rupiah amounts up to 10^16.
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=4, **kwargs)


def year_field(verbose_name, **kwargs) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        **kwargs)


class RenstraPeriod(models.Model):
    """The agency's strategic plan (Renstra OPD) for its years, e.g. 2021–2026."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="renstra_periods",
                               verbose_name=_("agency"))
    name = models.CharField(_("name"), max_length=250,
                            help_text=_("e.g. Renstra Bappeda & Litbang 2021–2026"))
    start_year = year_field(_("first year"))
    end_year = year_field(_("last year"))

    class Meta:
        verbose_name = _("Renstra period")
        verbose_name_plural = _("Renstra periods")
        ordering = ["agency", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "start_year", "end_year"],
                                    name="renstra_period_unique_years"),
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")),
                                   name="renstra_period_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)

    def clean(self) -> None:
        if self.start_year and self.end_year:
            if self.end_year < self.start_year:
                raise ValidationError({"end_year": _("The last year is before the first year.")})
            if self.end_year - self.start_year + 1 > MAX_PERIOD_YEARS:
                raise ValidationError({"end_year": _(
                    "A Renstra period has at most %(count)d years.") % {
                        "count": MAX_PERIOD_YEARS}})
            if self.pk:
                outside = IndicatorYearTarget.objects.filter(indicator__period=self).exclude(
                    year__gte=self.start_year, year__lte=self.end_year)
                if outside.exists():
                    raise ValidationError(_("Some indicators have targets for years outside "
                                            "these years; remove those targets first."))


class Goal(models.Model):
    """A goal (tujuan) of the Renstra."""

    period = models.ForeignKey(RenstraPeriod, on_delete=models.CASCADE, related_name="goals",
                               verbose_name=_("Renstra period"))
    code = models.CharField(_("code"), max_length=40)
    text = models.TextField(_("goal"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("goal (tujuan)")
        verbose_name_plural = _("goals (tujuan)")
        ordering = ["period", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "code"], name="goal_code_unique_in_period"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class Objective(models.Model):
    """An objective (sasaran) under a goal."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="objectives",
                             verbose_name=_("goal"))
    code = models.CharField(_("code"), max_length=40)
    text = models.TextField(_("objective"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("objective (sasaran)")
        verbose_name_plural = _("objectives (sasaran)")
        ordering = ["goal__period", "goal__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "code"], name="objective_code_unique_in_goal"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    def clean(self) -> None:
        # The database keeps codes unique per goal; the importer finds an objective by its
        # code alone, so the code must also be unique in the whole period.
        if self.goal_id and self.code:
            clash = Objective.objects.filter(goal__period_id=self.goal.period_id,
                                             code=self.code)
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError({"code": _(
                    "Another objective of this Renstra period has the code “%(code)s”.") % {
                        "code": self.code}})


class Indicator(models.Model):
    """A performance indicator of an objective, reported by one reporting unit."""

    period = models.ForeignKey(RenstraPeriod, on_delete=models.CASCADE,
                               related_name="indicators", editable=False,
                               verbose_name=_("Renstra period"))
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE,
                                  related_name="indicators", verbose_name=_("objective"))
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("indicator"), max_length=500)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=60,
                                       help_text=_("Satuan, e.g. %, dokumen, indeks, orang"))
    data_type = models.CharField(
        _("data type"), max_length=12, choices=DataType.choices, default=DataType.NUMBER,
        help_text=_("Percent is a share from 0 to 100. A rate that can be negative or above "
                    "100 (e.g. economic growth) is a number with the unit %."))
    decimals = models.PositiveSmallIntegerField(
        _("decimals"), default=2, validators=[MaxValueValidator(4)],
        help_text=_("Decimal places shown for this indicator's values (0 to 4)."))
    polarity = models.CharField(_("polarity"), max_length=10, choices=Polarity.choices,
                                default=Polarity.POSITIVE)
    aggregation = models.CharField(
        _("year value"), max_length=10, choices=Aggregation.choices, default=Aggregation.LAST,
        help_text=_("How the quarters make the year's value."))
    responsible_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="indicators",
        verbose_name=_("responsible unit"),
        help_text=_("The Sekretariat or the Bidang that reports this indicator."))
    baseline = value_field(_("baseline"), null=True, blank=True)
    baseline_year = year_field(_("baseline year"), null=True, blank=True)
    minimum = value_field(
        _("lowest plausible value"), null=True, blank=True,
        help_text=_("Optional. A value below it is saved only when the staff member confirms "
                    "it and explains why."))
    maximum = value_field(
        _("highest plausible value"), null=True, blank=True,
        help_text=_("Optional. A value above it is saved only when the staff member confirms "
                    "it and explains why. A percentage lies between 0 and 100 in any case."))
    is_iku = models.BooleanField(_("key indicator (IKU)"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["period", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["period", "code"],
                                    name="indicator_code_unique_in_period"),
            models.CheckConstraint(condition=Q(decimals__lte=4),
                                   name="indicator_decimals_at_most_4"),
            models.CheckConstraint(condition=Q(minimum__isnull=True) | Q(maximum__isnull=True)
                                   | Q(maximum__gte=F("minimum")),
                                   name="indicator_plausible_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_percent(self) -> bool:
        return self.data_type == DataType.PERCENT

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.objective_id:
            period_id = self.objective.goal.period_id
            if self.pk and self.period_id and self.period_id != period_id:
                errors.setdefault("objective", []).append(_(
                    "An indicator stays in its Renstra period: choose an objective of the "
                    "same period."))
            else:
                # The period is kept on the row so that codes can be unique per period.
                self.period_id = period_id
        if self.period_id and self.code:
            clash = Indicator.objects.filter(period_id=self.period_id, code=self.code)
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            if clash.exists():
                errors.setdefault("code", []).append(_(
                    "Another indicator of this Renstra period has the code “%(code)s”.") % {
                        "code": self.code})
        if self.responsible_unit_id:
            unit = self.responsible_unit
            if self.period_id and unit.agency_id != self.period.agency_id:
                errors.setdefault("responsible_unit", []).append(
                    _("The unit belongs to another agency."))
            elif not unit.is_reporting_unit:
                errors.setdefault("responsible_unit", []).append(_(
                    "Only the Sekretariat or a Bidang reports indicators; “%(unit)s” is not "
                    "one.") % {"unit": unit.name})
        if self.is_percent and self.baseline is not None and not 0 <= self.baseline <= 100:
            errors.setdefault("baseline", []).append(
                _("A percentage is between 0 and 100."))
        if self.baseline_year and self.period_id and self.baseline_year > self.period.end_year:
            errors.setdefault("baseline_year", []).append(_(
                "The baseline year is after the Renstra period (%(start)d–%(end)d).") % {
                    "start": self.period.start_year, "end": self.period.end_year})
        if self.is_percent:
            for name in ("minimum", "maximum"):
                bound = getattr(self, name)
                if bound is not None and not 0 <= bound <= 100:
                    errors.setdefault(name, []).append(_("A percentage is between 0 and 100."))
        if (self.minimum is not None and self.maximum is not None
                and self.minimum > self.maximum):
            errors.setdefault("maximum", []).append(
                _("The highest plausible value is below the lowest."))
        if self.baseline is not None and not self.baseline_year:
            errors.setdefault("baseline_year", []).append(
                _("Give the year of the baseline value."))
        if errors:
            raise ValidationError(errors)


class IndicatorYearTarget(models.Model):
    """An indicator's targets for one year of the period.

    A target may be a range (docs/domain.md §1): the value is then the lower bound and `*_max` the
    upper one. Quarter targets are optional; for sum indicators they are year-to-date, see
    `achievement.effective_target`.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets",
                                  verbose_name=_("indicator"))
    year = year_field(_("year"))
    renstra_target = value_field(_("Renstra target"))
    renstra_target_max = value_field(
        _("Renstra target, upper bound"), null=True, blank=True,
        help_text=_("Only for a target given as a range."))
    pk_target = value_field(
        _("PK target"), null=True, blank=True,
        help_text=_("The year's performance agreement (Perjanjian Kinerja); when set, it is "
                    "the target that counts."))
    pk_target_max = value_field(_("PK target, upper bound"), null=True, blank=True,
                                help_text=_("Only for a target given as a range."))
    q1_target = value_field(_("Q1 target"), null=True, blank=True)
    q2_target = value_field(_("Q2 target"), null=True, blank=True)
    q3_target = value_field(_("Q3 target"), null=True, blank=True)
    q4_target = value_field(_("Q4 target"), null=True, blank=True)

    class Meta:
        verbose_name = _("year target")
        verbose_name_plural = _("year targets")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"],
                                    name="one_target_per_indicator_year"),
            models.CheckConstraint(condition=Q(renstra_target_max__isnull=True)
                                   | Q(renstra_target_max__gte=F("renstra_target")),
                                   name="renstra_target_range_ordered"),
            models.CheckConstraint(condition=Q(pk_target_max__isnull=True)
                                   | Q(pk_target__isnull=False,
                                       pk_target_max__gte=F("pk_target")),
                                   name="pk_target_range_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}"

    QUARTER_FIELDS = ("q1_target", "q2_target", "q3_target", "q4_target")
    VALUE_FIELDS = ("renstra_target", "renstra_target_max", "pk_target", "pk_target_max",
                    *QUARTER_FIELDS)

    def _indicator(self) -> Indicator | None:
        # The admin validates the targets of a new indicator before saving it: the indicator
        # is then set on the target but has no id yet.
        try:
            return self.indicator
        except Indicator.DoesNotExist:
            return None

    def clean(self) -> None:
        errors: dict[str, list] = {}
        indicator = self._indicator()
        if indicator is not None and indicator.period_id and self.year:
            period = indicator.period
            if not period.start_year <= self.year <= period.end_year:
                errors.setdefault("year", []).append(_(
                    "The year is outside the Renstra period (%(start)d–%(end)d).") % {
                        "start": period.start_year, "end": period.end_year})
        for low, high in (("renstra_target", "renstra_target_max"),
                          ("pk_target", "pk_target_max")):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if high_value is not None and low_value is None:
                errors.setdefault(low, []).append(_("Give the lower bound of the range too."))
            elif high_value is not None and high_value < low_value:
                errors.setdefault(high, []).append(
                    _("The upper bound is below the lower bound."))
        if indicator is not None and indicator.is_percent:
            for name in self.VALUE_FIELDS:
                value = getattr(self, name)
                if value is not None and not Decimal(0) <= value <= Decimal(100):
                    errors.setdefault(name, []).append(
                        _("A percentage is between 0 and 100."))
        if errors:
            raise ValidationError(errors)
