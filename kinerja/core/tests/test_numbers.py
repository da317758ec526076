from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from kinerja.core.numbers import AmbiguousNumber, NumberFormatError, parse_number, read_number


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,5", "1234.5"), ("1.234.567,89", "1234567.89"), ("1234,5", "1234.5"),
    ("1.234.567", "1234567"), ("12.5", "12.5"), ("0,25", "0.25"), ("-3,5", "-3.5"),
    ("88 %", "88"), (" 7 ", "7"), ("1 234,5", "1234.5"), ("12,5 %", "12.5"),
    # One dot that cannot group thousands is a decimal point: a group has three digits, and a
    # number never starts with a 0 group.
    ("0.262", "0.262"), ("0.25", "0.25"), ("1234.567", "1234.567"), ("12.3456", "12.3456"),
    (".5", "0.5"), ("-0", "0"),
])
def test_indonesian_numbers(text, expected):
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "grouped", "decimal"), [
    ("12.345", "12345", "12.345"), ("1.234", "1234", "1.234"), ("-999.000", "-999000", "-999"),
])
def test_a_dot_before_three_digits_reads_two_ways(text, grouped, decimal):
    with pytest.raises(AmbiguousNumber) as ambiguous:
        parse_number(text)
    assert (ambiguous.value.grouped, ambiguous.value.decimal) == (Decimal(grouped),
                                                                  Decimal(decimal))


def test_an_indicator_without_decimals_can_only_mean_the_whole_number():
    assert read_number("12.345", decimals=0) == Decimal("12345")
    with pytest.raises(AmbiguousNumber):
        read_number("12.345", decimals=2)
    assert read_number("12,345", decimals=3) == Decimal("12.345")


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.2.3", "12,3.4", "1e5", "12e3", "--1",
                                  "٣", "1,234.5", "0.234,5", "01.234.567"])
def test_refuses_what_is_not_a_number(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)


@given(value=st.decimals(min_value=-10**12, max_value=10**12, places=4, allow_nan=False,
                         allow_infinity=False),
       decimals=st.integers(min_value=0, max_value=4), language=st.sampled_from(["id", "en"]))
def test_what_the_page_shows_reads_back_as_the_same_value(value, decimals, language):
    """A value as the data-entry page writes it into its field (grouped, with the indicator's
    decimals) is read back as that value, in both languages."""
    value = round(value, decimals)
    with translation.override(language):
        shown = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    assert read_number(shown, decimals=decimals) == value
