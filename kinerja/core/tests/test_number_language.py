"""The one number language (kinerja/core/numbers.py): what is written is read back as the same
value, in the Indonesian form people see (the page, the admin) and in the API's machine form;
and the admin's form field reads as data entry reads."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kinerja.core.formatting import number
from kinerja.core.forms import IndonesianDecimalField
from kinerja.core.numbers import (
    NumberFormatError,
    input_text,
    machine_text,
    parse_machine,
    read_number,
    read_typed,
    shown,
)


@st.composite
def values(draw):
    """A value an indicator can hold: below 10^15, with at most its decimals (0–4)."""
    decimals = draw(st.integers(min_value=0, max_value=4))
    units = draw(st.integers(min_value=-(10**15 - 1), max_value=10**15 - 1))
    return Decimal(units).scaleb(-decimals), decimals


@given(values())
@settings(max_examples=300)
def test_indonesian_written_reads_back_the_same(case):
    """As the data-entry page writes a value into its field (the `number` filter, with the
    indicator's decimals), as `shown` writes it, and as the admin's field shows it: read with
    the indicator's decimals, it is the same value."""
    value, decimals = case
    with translation.override("id"):
        on_the_page = number(value, decimals)
    assert read_number(on_the_page, decimals=decimals) == value
    assert read_number(shown(value, decimals=decimals), decimals=decimals) == value
    assert read_typed(input_text(value, decimals=decimals), decimals=decimals) == value
    # A field that belongs to no indicator refuses "12.500": it shows numbers so as never to
    # write one.
    assert read_typed(input_text(value, decimals=None), decimals=None) == value


@given(values())
@settings(max_examples=300)
def test_the_machine_form_reads_back_the_same(case):
    value, _decimals = case
    text = machine_text(value)
    assert parse_machine(text) == value
    assert "e" not in text.lower() and "," not in text
    assert text == machine_text(parse_machine(text))  # GET → PUT → GET answers the same


@pytest.mark.parametrize("text", ["1.234,5", "1,234.5", "12e3", "1E3", " 12", "12 ", "+",
                                  ".5", "5.", "١٢٣", "1_000", "0x10", "", "12.3.4", "NaN",
                                  "Infinity", "12,5"])
def test_the_machine_form_refuses_what_people_write(text):
    with pytest.raises(NumberFormatError):
        parse_machine(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.5", "1234.5"), ("-0.262", "-0.262"), ("+12", "12"), ("007", "7"), ("-0", "0")])
def test_the_machine_form(text, expected):
    assert parse_machine(text) == Decimal(expected)


def test_machine_text_has_no_exponent_and_no_padding():
    assert [machine_text(Decimal(text)) for text in ("12.3450", "1E+3", "-0.000", "0.0001")] == [
        "12.345", "1000", "0", "0.0001"]


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    ("12.85", 2, "12,85"), ("12.8500", 2, "12,85"), ("12.8500", None, "12,85"),
    ("12500", 0, "12.500"), ("12500", 2, "12.500,00"), ("12500", None, "12500"),
    ("1234567.5", 1, "1.234.567,5"), ("-0", 3, "0,000"), ("0.262", 3, "0,262")])
def test_what_a_form_shows(value, decimals, expected):
    assert input_text(Decimal(value), decimals=decimals) == expected


@pytest.mark.parametrize(("decimals", "text", "expected"), [
    (2, "12,85", "12.85"), (0, "12.500", "12500"), (3, "0.262", "0.262"),
    (2, "1.234,5", "1234.5"), (None, "12,5", "12.5")])
def test_the_form_field_reads_as_data_entry(decimals, text, expected):
    field = IndonesianDecimalField(decimals=decimals, max_digits=20, decimal_places=4,
                                   required=False)
    assert field.clean(text) == Decimal(expected)


@pytest.mark.parametrize("decimals", [2, None])
def test_the_form_field_refuses_an_ambiguous_number_naming_both_readings(decimals):
    field = IndonesianDecimalField(decimals=decimals, max_digits=20, decimal_places=4)
    with pytest.raises(ValidationError) as refused:
        field.clean("12.500")
    message = " ".join(refused.value.messages)
    assert "12500" in message and "12,5" in message


def test_the_form_field_keeps_the_model_fields_limits():
    field = IndonesianDecimalField(decimals=None, max_digits=6, decimal_places=2)
    with pytest.raises(ValidationError):
        field.clean("1,234")  # three decimals
    with pytest.raises(ValidationError):
        field.clean("12345,5")  # seven digits
    assert field.prepare_value(Decimal("91.00")) == "91"
    assert field.prepare_value(Decimal("12.50")) == "12,5"
    assert field.prepare_value("12,") == "12,"  # what was typed, shown beside its error
