from decimal import Decimal

import pytest

from kinerja.core.numbers import NumberFormatError, parse_number


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,5", "1234.5"), ("1.234.567,89", "1234567.89"), ("1234,5", "1234.5"),
    ("1.234", "1234"), ("12.5", "12.5"), ("0,25", "0.25"), ("-3,5", "-3.5"), ("88 %", "88"),
    (" 7 ", "7"), ("1 234,5", "1234.5"),
])
def test_indonesian_numbers(text, expected):
    assert parse_number(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.2.3", "12,3.4", "1e5", "--1", "٣"])
def test_refuses_what_is_not_a_number(text):
    with pytest.raises(NumberFormatError):
        parse_number(text)
