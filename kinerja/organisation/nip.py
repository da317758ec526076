"""The civil-servant number (NIP): 18 digits, birth date, appointment month, sex, sequence.

Written "19690815 199803 1 008": born 15 August 1969, appointed (TMT CPNS) March 1998, male,
sequence 8. See docs/domain.md §7.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MINIMUM_AGE_AT_APPOINTMENT = 18


@dataclass(frozen=True)
class Nip:
    digits: str
    birth_date: date
    appointment_year: int
    appointment_month: int
    sex: str  # "M" or "F"
    sequence: int

    def formatted(self) -> str:
        d = self.digits
        return f"{d[:8]} {d[8:14]} {d[14]} {d[15:]}"


def normalise_nip(raw: str) -> str:
    """Digits only: officials write the NIP with spaces or dots."""
    return re.sub(r"[\s.\-]", "", raw or "")


def parse_nip(raw: str) -> Nip:
    """Parse and validate an NIP; raises ValidationError naming what is wrong."""
    digits = normalise_nip(raw)
    if not re.fullmatch(r"\d{18}", digits):
        raise ValidationError(_("An NIP has exactly 18 digits."), code="nip_length")
    try:
        birth = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise ValidationError(
            _("Digits 1–8 of the NIP are not a valid birth date (YYYYMMDD)."), code="nip_birth"
        ) from None
    year, month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= month <= 12 or year < 1900:
        raise ValidationError(
            _("Digits 9–14 of the NIP are not a valid appointment month (YYYYMM)."),
            code="nip_appointment",
        )
    if digits[14] not in "12":
        raise ValidationError(
            _("Digit 15 of the NIP is the sex: 1 (male) or 2 (female)."), code="nip_sex"
        )
    sequence = int(digits[15:18])
    if sequence == 0:
        raise ValidationError(_("The NIP's sequence number (last 3 digits) starts at 001."),
                              code="nip_sequence")
    eighteenth = (birth.year + MINIMUM_AGE_AT_APPOINTMENT, birth.month)
    if (year, month) < eighteenth:
        raise ValidationError(
            _("The appointment month in the NIP is before the holder's 18th birthday."),
            code="nip_too_young",
        )
    return Nip(digits, birth, year, month, "M" if digits[14] == "1" else "F", sequence)


def validate_nip(raw: str) -> None:
    parse_nip(raw)


def format_nip(raw: str) -> str:
    digits = normalise_nip(raw)
    if len(digits) != 18:
        return raw
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
