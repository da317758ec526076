from django.db import transaction
from django.utils.translation import gettext as _

from kinerja.core.audit import record_event
from kinerja.core.errors import DomainError
from kinerja.core.limits import CATALOGUE_WORKBOOK
from kinerja.core.text import REASON_MAX_LENGTH, clean_text
from kinerja.organisation.models import Agency

from .exporter import catalogue_export, catalogue_template
from .importer import (
    ImportProblem,
    ImportResult,
    apply_catalogue,
    parse_catalogue,
    sort_problems,
)
from .models import RenstraPeriod

__all__ = ["CatalogueFileError", "catalogue_export", "catalogue_import", "catalogue_template",
           "renstra_period_create"]

MAX_FILE_BYTES = CATALOGUE_WORKBOOK.max_bytes


class CatalogueFileError(DomainError):
    """A refused catalogue file. `problems` holds every fault with its row and column."""

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__(_("The catalogue file has %(count)d problem(s); nothing was "
                           "imported.") % {"count": len(problems)},
                         code="catalogue_file_invalid",
                         details=[str(problem) for problem in problems])


@transaction.atomic
def renstra_period_create(*, agency: Agency, start_year: int, end_year: int, name: str = "",
                          actor=None) -> RenstraPeriod:
    """A new Renstra period of the agency. Raises DomainError when it exists or is invalid."""
    if RenstraPeriod.objects.filter(agency=agency, start_year=start_year,
                                    end_year=end_year).exists():
        raise DomainError(_("The agency already has a Renstra period %(start)d–%(end)d.") % {
            "start": start_year, "end": end_year}, code="period_exists")
    period = RenstraPeriod(agency=agency, start_year=start_year, end_year=end_year,
                           name=name or f"Renstra {agency.short_name} {start_year}–{end_year}")
    period.full_clean()
    period.save()
    record_event(action="catalogue.period_created", obj=period, actor=actor, agency=agency,
                 summary=f"Renstra period {period.name} created")
    return period


@transaction.atomic
def catalogue_import(*, agency: Agency, period: RenstraPeriod, file, actor=None,
                     source_name: str = "", change_reason: str = "") -> ImportResult:
    """Import the catalogue workbook into the period: goals, objectives and indicators are
    found by their codes and created or updated; the same file again changes nothing.

    Every problem is collected with its row and column, and any problem refuses the whole
    file (CatalogueFileError, nothing saved). `file` is the workbook's bytes or a file object.

    A change that a finalised round or stored values depend on (a target of a finalised
    year, a polarity, year value or data type, decimals below a stored value's: guard.py) is
    such a problem unless `change_reason` says why it is made. Each created, changed or
    deleted object gets one audit event (with the reason); the import as a whole one more,
    "catalogue.imported".
    """
    change_reason = clean_text(change_reason, max_length=REASON_MAX_LENGTH,
                               field=_("the reason for the change"))
    if period.agency_id != agency.id:
        raise DomainError(_("The Renstra period belongs to another agency."),
                          code="period_of_another_agency")
    data = file if isinstance(file, bytes) else file.read()
    if len(data) > MAX_FILE_BYTES:
        raise CatalogueFileError([ImportProblem(_("The file is larger than 5 MB."))])
    # Lock the period so that two imports into it run one after the other.
    period = RenstraPeriod.objects.select_for_update().get(pk=period.pk)
    rows, layout, problems = parse_catalogue(data, years=period.years)
    if not rows:
        raise CatalogueFileError(problems)
    # The rows that were read go on to the database checks even when others were refused,
    # so that one upload reports every problem of the file.
    result, more = apply_catalogue(period=period, rows=rows, layout=layout, actor=actor,
                                   change_reason=change_reason)
    problems = sort_problems(problems + more)
    if problems:
        # Raising rolls back what apply_catalogue saved on the way.
        raise CatalogueFileError(problems)
    if result.changed:
        record_event(
            action="catalogue.imported", obj=period, actor=actor, agency=agency,
            summary=(f"Catalogue of {period.name} imported from {source_name or 'a file'}: "
                     f"{sum(result.created.values())} created, "
                     f"{sum(result.updated.values())} updated, "
                     f"{sum(result.deleted.values())} deleted"),
            data={"source": source_name[:250], **result.as_data(),
                  **({"reason": change_reason} if change_reason else {})},
        )
    return result
