"""The kinds an indicator is described by. Kept apart from the models so that the achievement
rules (`achievement.py`, no database) and the importer can use them without the ORM."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataType(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent (a share from 0 to 100)")
    INDEX = "index", _("Index or score")
    CURRENCY = "currency", _("Currency (rupiah)")


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("Higher is better (positive)")
    NEGATIVE = "negative", _("Lower is better (negative)")


class Aggregation(models.TextChoices):
    """How the four quarters make the year's value (docs/domain.md §2)."""

    SUM = "sum", _("Sum of the quarters (cumulative)")
    LAST = "last", _("Last reported quarter (end position)")
    AVERAGE = "average", _("Average of the reported quarters")
