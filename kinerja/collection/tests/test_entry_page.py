"""The unit page's data entry (track_views.py, collection/track_detail.html): what was typed is
never lost, each refusal stands beside its field, implausible values are confirmed and
explained (docs/domain.md §10), a stale row shows both values, one row can be saved alone,
and the achievement is previewed as the person types.

Bidang X's track at step 5 (`track`); its indicators X1 and X2 have a 2026 target of 10 and
2 decimals (kinerja/conftest.py `catalogue`), so 7,6 is 76,00 % "Tinggi" and 262 is more
than 10 times the target.
"""

from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from kinerja.collection import plausibility, recap, services
from kinerja.collection.models import IndicatorValue, PlausibilityFlag, Round, RoundStatus, Track

pytestmark = pytest.mark.django_db


# -- reading the page ------------------------------------------------------------------------

class _Elements(HTMLParser):
    """Every element's attributes and text, by id; and every aria-describedby."""

    VOID = {"input", "br", "hr", "img", "meta", "link", "source", "wbr", "col", "area"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.described: list[tuple[str, list[str]]] = []
        self.autofocus: list[str] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value if value is not None else "" for name, value in attrs}
        element = {"tag": tag, "attrs": attributes, "text": ""}
        if "id" in attributes:
            self.by_id[attributes["id"]] = element
        if "aria-describedby" in attributes:
            self.described.append((attributes.get("id") or attributes.get("name", tag),
                                   attributes["aria-describedby"].split()))
        if "autofocus" in attributes:
            self.autofocus.append(attributes.get("id", tag))
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index]["tag"] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data


def page_of(response) -> _Elements:
    parsed = _Elements()
    parsed.feed(response.content.decode())
    # Every aria-describedby names elements of the page.
    for owner, ids in parsed.described:
        missing = [name for name in ids if name not in parsed.by_id]
        assert not missing, f"{owner}: aria-describedby names no element {missing}"
    return parsed


def text_of(page: _Elements, element_id: str) -> str:
    return " ".join(page.by_id[element_id]["text"].split())


def attrs_of(page: _Elements, element_id: str) -> dict:
    return page.by_id[element_id]["attrs"]


def post_values(client, person, track, data, action="values"):
    client.force_login(person.user)
    return client.post(reverse("collection:track_action",
                               args=[track.round_id, track.id, action]), data)


def row_data(indicator, text, *, version=0, explanation="", confirm=False, **extra) -> dict:
    data = {f"value-{indicator.id}": text, f"version-{indicator.id}": str(version),
            f"explanation-{indicator.id}": explanation}
    if confirm:
        data[f"confirm-{indicator.id}"] = "1"
    data.update(extra)
    return data


def refusal(indicator, text) -> str:
    """What the services say of the text, in the pages' language (Indonesian)."""
    with translation.override("id"):
        try:
            services.data_entry.parse_value(indicator, text)
        except ValueError as error:
            return str(error)
    raise AssertionError(f"{text!r} was read")


def finding(track, indicator, value) -> str:
    """The plausibility rule the value breaks, in the pages' language."""
    with translation.override("id"):
        row = recap.rows_with_values(track, {indicator.id: Decimal(value)})[indicator.id]
        found = plausibility.check_row(row, recap.settings_for(track.round.agency_id)
                                       .outlier_factor)
        assert found is not None
        return found.message


def stored(track, indicator):
    return IndicatorValue.objects.filter(track=track, indicator=indicator).first()


def preview(client, person, track, indicator, text):
    client.force_login(person.user)
    return client.get(reverse("collection:track_value_preview",
                              args=[track.round_id, track.id]),
                      {f"value-{indicator.id}": text})


# -- a refused save keeps what was typed -----------------------------------------------------

def test_a_refused_save_shows_every_row_as_typed_and_the_message_beside_its_field(
        client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "7,6", explanation="Kegiatan tertunda;\nsatu baris lagi."),
        **row_data(x2, "abc", explanation="Penjelasan X2")})

    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    page = page_of(response)
    # Every value and explanation as typed, not as stored (nothing is stored).
    assert attrs_of(page, f"value-{x1.id}")["value"] == "7,6"
    assert page.by_id[f"explanation-{x1.id}"]["text"] == "Kegiatan tertunda;\nsatu baris lagi."
    assert attrs_of(page, f"value-{x2.id}")["value"] == "abc"
    assert page.by_id[f"explanation-{x2.id}"]["text"] == "Penjelasan X2"
    # The message beside X2's field, linked to it; the focus goes there.
    assert text_of(page, f"error-{x2.id}") == refusal(x2, "abc")
    field = attrs_of(page, f"value-{x2.id}")
    assert field["aria-invalid"] == "true"
    assert f"error-{x2.id}" in field["aria-describedby"].split()
    assert f"error-{x2.id}" in attrs_of(page, f"explanation-{x2.id}")["aria-describedby"].split()
    assert page.autofocus == [f"value-{x2.id}"]
    # X1 is fine: no message, not invalid; its achievement is shown as typed.
    assert f"error-{x1.id}" not in page.by_id
    assert "aria-invalid" not in attrs_of(page, f"value-{x1.id}")
    assert text_of(page, f"achievement-{x1.id}") == "76,00 %"
    assert text_of(page, f"category-{x1.id}") == "Tinggi"


def test_a_refused_save_of_an_ambiguous_number_names_both_readings_beside_it(
        client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "12.345"), **row_data(x2, "8", explanation="Sesuai")})

    assert response.status_code == 409
    page = page_of(response)
    message = text_of(page, f"error-{x1.id}")
    assert "12345" in message and "12,345" in message
    assert attrs_of(page, f"value-{x1.id}")["value"] == "12.345"
    assert attrs_of(page, f"value-{x2.id}")["value"] == "8"
    assert page.autofocus == [f"value-{x1.id}"]


def test_a_save_with_another_unit_s_indicator_keeps_what_was_typed(client, org, track,
                                                                 catalogue):
    x1, y1 = catalogue[0], catalogue[2]
    data = {**row_data(x1, "7,6", explanation="Tetap"), **row_data(y1, "5")}
    response = post_values(client, org.staff_x, track, data)

    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    page = page_of(response)
    assert attrs_of(page, f"value-{x1.id}")["value"] == "7,6"
    assert page.by_id[f"explanation-{x1.id}"]["text"] == "Tetap"


# -- implausible values ----------------------------------------------------------------------

def test_an_implausible_value_is_saved_only_confirmed_and_explained_then_flagged(
        client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    other = row_data(x2, "8", explanation="Sesuai")

    response = post_values(client, org.staff_x, track, {**row_data(x1, "262"), **other})
    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    page = page_of(response)
    assert finding(track, x1, "262") in text_of(page, f"error-{x1.id}")
    box = attrs_of(page, f"confirm-{x1.id}")
    assert box["type"] == "checkbox" and "checked" not in box
    assert f"preview-{x1.id}" in attrs_of(page, f"explanation-{x1.id}")["aria-describedby"]
    assert attrs_of(page, f"value-{x1.id}")["value"] == "262"

    # Ticked but not explained: still refused, the tick kept.
    response = post_values(client, org.staff_x, track,
                           {**row_data(x1, "262", confirm=True), **other})
    assert response.status_code == 409
    page = page_of(response)
    assert "checked" in attrs_of(page, f"confirm-{x1.id}")
    assert finding(track, x1, "262") in text_of(page, f"error-{x1.id}")

    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "262", confirm=True, explanation="Benar: satuan berubah."), **other})
    assert response.status_code == 302
    value = stored(track, x1)
    assert value.value == Decimal("262")
    assert value.plausibility == PlausibilityFlag.FAR_FROM_TARGET

    page = page_of(client.get(reverse("collection:track_detail",
                                      args=[track.round_id, track.id])))
    flag = page.by_id.get(f"flag-{x1.id}")
    assert flag is not None and attrs_of(page, f"flag-{x1.id}")["data-flag"] == "far_target"
    assert str(PlausibilityFlag.FAR_FROM_TARGET.label) in text_of(page, f"flag-{x1.id}")


def test_the_unit_head_sees_the_confirmed_implausible_value_flagged(client, org, track,
                                                                    catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(x1.id, "262", explanation="Benar.", confirm_implausible=True),
        services.ValueEntry(x2.id, "9", explanation="Sesuai")])
    services.data_entry_complete(user=org.staff_x.user, track=track,
                                 expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=org.staff_x.user, track=track,
                               expected_version=track.version)

    client.force_login(org.kabid_x.user)
    response = client.get(reverse("collection:track_detail", args=[track.round_id, track.id]))
    assert "validate" in response.context["codes"]
    page = page_of(response)
    assert attrs_of(page, f"flag-{x1.id}")["data-flag"] == "far_target"
    assert str(PlausibilityFlag.FAR_FROM_TARGET.label) in text_of(page, f"flag-{x1.id}")
    assert f"flag-{x2.id}" not in page.by_id
    assert f"value-{x1.id}" not in page.by_id  # the unit head reads, does not type


# -- stale rows ------------------------------------------------------------------------------

def _saved_by_someone_else(org, track, x1):
    """X1 saved (version 1) after the staff member's page was opened (version 0)."""
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(x1.id, "8", explanation="Versi lain")])
    return stored(track, x1)


def test_a_stale_row_shows_both_values_and_never_overwrites(client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    theirs = _saved_by_someone_else(org, track, x1)
    data = {**row_data(x1, "9", explanation="Versi saya"), **row_data(x2, "7", explanation="X")}

    response = post_values(client, org.staff_x, track, data)
    assert response.status_code == 409
    assert stored(track, x1).value == Decimal("8") and stored(track, x2) is None
    page = page_of(response)
    assert text_of(page, f"stale-{x1.id}")
    assert [cell["text"].strip() for cell in (page.by_id.get(f"mine-{x1.id}"),)] == ["9"]
    theirs_text = text_of(page, f"theirs-value-{x1.id}")
    assert "8,00" in theirs_text and "staff_x" in theirs_text and "Versi lain" in theirs_text
    assert attrs_of(page, f"value-{x1.id}")["value"] == "9"
    assert attrs_of(page, f"value-{x2.id}")["value"] == "7"
    assert f"stale-{x1.id}" in attrs_of(page, f"value-{x1.id}")["aria-describedby"].split()
    assert page.autofocus == [f"value-{x1.id}"]
    assert attrs_of(page, f"keep-{x1.id}")["value"] == str(x1.id)
    assert attrs_of(page, f"take-{x1.id}")["value"] == str(x1.id)

    # Saving the draft again without choosing: still refused, theirs kept.
    response = post_values(client, org.staff_x, track, {**data, f"theirs-{x1.id}": "1"})
    assert response.status_code == 409
    assert stored(track, x1).version == theirs.version


def test_keep_mine_saves_my_value_over_the_newer_one_and_only_that_row(client, org, track,
                                                                       catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    theirs = _saved_by_someone_else(org, track, x1)
    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "9", explanation="Versi saya"), **row_data(x2, "abc"),
        f"theirs-{x1.id}": str(theirs.version), "keep": str(x1.id)})

    assert response.status_code == 200
    value = stored(track, x1)
    assert (value.value, value.explanation, value.version) == (Decimal("9"), "Versi saya", 2)
    assert stored(track, x2) is None
    page = page_of(response)
    assert attrs_of(page, f"value-{x1.id}")["value"] == "9,00"
    assert f"stale-{x1.id}" not in page.by_id
    assert attrs_of(page, f"value-{x2.id}")["value"] == "abc"  # still as typed, unsaved


def test_take_theirs_shows_the_saved_value_and_keeps_the_other_rows_as_typed(
        client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    theirs = _saved_by_someone_else(org, track, x1)
    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "9"), **row_data(x2, "7,5", explanation="Dua"),
        f"theirs-{x1.id}": str(theirs.version), "take": str(x1.id)})

    assert response.status_code == 200
    assert stored(track, x1).value == Decimal("8") and stored(track, x2) is None
    page = page_of(response)
    assert attrs_of(page, f"value-{x1.id}")["value"] == "8,00"
    assert attrs_of(page, f"version-{x1.id}")["value"] == str(theirs.version)
    assert page.by_id[f"explanation-{x1.id}"]["text"] == "Versi lain"
    assert attrs_of(page, f"value-{x2.id}")["value"] == "7,5"
    assert page.by_id[f"explanation-{x2.id}"]["text"] == "Dua"


def test_saving_one_row_of_a_stale_value_is_refused_too(client, org, track, catalogue):
    x1 = catalogue[0]
    _saved_by_someone_else(org, track, x1)
    response = post_values(client, org.staff_x, track, {**row_data(x1, "9"), "row": str(x1.id)})
    assert response.status_code == 409
    assert stored(track, x1).value == Decimal("8")
    assert text_of(page_of(response), f"stale-{x1.id}")


# -- one row ---------------------------------------------------------------------------------

def test_one_row_saves_only_that_row_and_the_others_stay_as_typed(client, org, track,
                                                                 catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "7,6", explanation="Satu"), **row_data(x2, "abc", explanation="Dua"),
        "row": str(x1.id)})

    assert response.status_code == 200
    value = stored(track, x1)
    assert (value.value, value.explanation, value.version) == (Decimal("7.6"), "Satu", 1)
    assert stored(track, x2) is None
    page = page_of(response)
    assert attrs_of(page, f"value-{x1.id}")["value"] == "7,60"
    assert attrs_of(page, f"version-{x1.id}")["value"] == "1"
    assert attrs_of(page, f"value-{x2.id}")["value"] == "abc"
    assert page.by_id[f"explanation-{x2.id}"]["text"] == "Dua"
    assert f"error-{x2.id}" not in page.by_id  # not saved, so not judged yet
    assert text_of(page, f"preview-{x2.id}") == refusal(x2, "abc")  # but previewed
    assert attrs_of(page, f"save-row-{x2.id}")["name"] == "row"


def test_a_refused_row_saves_nothing_and_shows_its_message(client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    response = post_values(client, org.staff_x, track, {
        **row_data(x1, "abc"), **row_data(x2, "7,5", explanation="Dua"), "row": str(x1.id)})
    assert response.status_code == 409
    assert not IndicatorValue.objects.exists()
    page = page_of(response)
    assert text_of(page, f"error-{x1.id}") == refusal(x1, "abc")
    assert attrs_of(page, f"value-{x2.id}")["value"] == "7,5"


def test_the_draft_form_s_default_button_saves_the_whole_draft(client, org, track, catalogue):
    """Enter in a field presses the form's first submit button: never a single row's."""
    client.force_login(org.staff_x.user)
    html = client.get(reverse("collection:track_detail",
                              args=[track.round_id, track.id])).content.decode()
    form = html[html.index('id="values-form"'):]
    first_button = form[form.index("<button"):form.index(">", form.index("<button"))]
    assert 'name="row"' not in first_button and 'type="submit"' in first_button


# -- previous period, last year --------------------------------------------------------------

def test_each_row_shows_the_previous_period_and_the_same_period_last_year(
        client, org, track, catalogue):
    x1 = catalogue[0]
    round_ = track.round
    for year, period, value in ((2026, "Q2", "7.25"), (2025, "Q3", "6.5")):
        earlier = Round.objects.create(agency=round_.agency, sop=round_.sop,
                                       sop_version=round_.sop_version, year=year,
                                       period=period, status=RoundStatus.FINALISED)
        IndicatorValue.objects.create(track=Track.objects.create(round=earlier,
                                                                 unit=org.division_x),
                                      indicator=x1, value=Decimal(value))
    client.force_login(org.staff_x.user)
    response = client.get(reverse("collection:track_detail", args=[track.round_id, track.id]))
    page = page_of(response)
    assert text_of(page, f"previous-{x1.id}") == "7,25"
    assert text_of(page, f"last-year-{x1.id}") == "6,50"
    assert text_of(page, f"previous-{catalogue[1].id}") == "—"


# -- the live preview ------------------------------------------------------------------------

def test_the_preview_answers_achievement_and_category_of_the_typed_value(client, org, track,
                                                                        catalogue):
    x1 = catalogue[0]
    response = preview(client, org.staff_x, track, x1, "7,6")
    assert response.status_code == 200
    page = page_of(response)
    assert text_of(page, f"achievement-{x1.id}") == "76,00 %"
    assert attrs_of(page, f"achievement-{x1.id}")["hx-swap-oob"] == "true"
    assert text_of(page, f"category-{x1.id}") == "Tinggi"
    assert text_of(page, f"preview-{x1.id}") == ""
    assert not IndicatorValue.objects.exists()  # a read


def test_the_preview_of_0_262_reads_a_decimal_point(client, org, track, catalogue):
    x1 = catalogue[0]
    x1.decimals = 3
    x1.save()
    page = page_of(preview(client, org.staff_x, track, x1, "0.262"))
    # 0,262 of a target of 10: 2,62 % (never 262 read as 26.200 %).
    assert text_of(page, f"achievement-{x1.id}") == "2,62 %"


def test_the_preview_names_both_readings_of_an_ambiguous_number(client, org, track, catalogue):
    x1 = catalogue[0]
    page = page_of(preview(client, org.staff_x, track, x1, "12.345"))
    message = text_of(page, f"preview-{x1.id}")
    assert message == refusal(x1, "12.345")
    assert "12345" in message and "12,345" in message
    assert text_of(page, f"achievement-{x1.id}") == "—"
    assert text_of(page, f"category-{x1.id}") == "—"


def test_the_preview_says_when_the_text_is_no_number(client, org, track, catalogue):
    page = page_of(preview(client, org.staff_x, track, catalogue[0], "sepuluh"))
    assert text_of(page, f"preview-{catalogue[0].id}") == refusal(catalogue[0], "sepuluh")


def test_the_preview_warns_at_once_of_an_implausible_value(client, org, track, catalogue):
    x1 = catalogue[0]
    page = page_of(preview(client, org.staff_x, track, x1, "262"))
    assert finding(track, x1, "262") in text_of(page, f"preview-{x1.id}")
    assert attrs_of(page, f"confirm-{x1.id}")["name"] == f"confirm-{x1.id}"
    assert text_of(page, f"achievement-{x1.id}") == "2.620,00 %"


def test_the_preview_is_refused_to_whoever_may_not_enter_the_unit_s_data(
        client, org, track, catalogue, django_user_model):
    x1 = catalogue[0]
    # As the page: another unit's staff and head, the agency's head, secretary and planning
    # subsection, the unit's own head before submission (reads only later), another agency.
    for persona in (org.staff_y, org.kabid_y, org.head, org.secretary, org.kasubbag_planning,
                    org.kabid_x):
        response = preview(client, persona, track, x1, "7,6")
        assert response.status_code == 403, persona
        assert b"76,00" not in response.content
    assert preview(client, org.outsider, track, x1, "7,6").status_code == 404
    assert preview(client, org.staff_x, track, x1, "7,6").status_code == 200
    # An indicator of another unit, no value, a state change.
    assert preview(client, org.staff_x, track, catalogue[2], "5").status_code == 404
    client.force_login(org.staff_x.user)
    url = reverse("collection:track_value_preview", args=[track.round_id, track.id])
    assert client.get(url).status_code == 400
    assert client.get(url, {"value-x": "1"}).status_code == 400
    assert client.post(url, {f"value-{x1.id}": "7,6"}).status_code == 405
    client.logout()
    response = client.get(url, {f"value-{x1.id}": "7,6"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(django_user_model.objects.create_user("nobody"))  # no person
    assert client.get(url, {f"value-{x1.id}": "7,6"}).status_code == 403


def test_the_preview_is_refused_once_the_recap_is_submitted(client, org, track, catalogue):
    x1, x2 = catalogue[0], catalogue[1]
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(x1.id, "9", explanation="a"),
        services.ValueEntry(x2.id, "9", explanation="b")])
    services.data_entry_complete(user=org.staff_x.user, track=track,
                                 expected_version=track.version)
    track.refresh_from_db()
    services.unit_recap_submit(user=org.staff_x.user, track=track,
                               expected_version=track.version)
    assert preview(client, org.staff_x, track, x1, "7,6").status_code == 403


def test_the_field_asks_for_the_preview_as_the_person_types(client, org, track, catalogue):
    x1 = catalogue[0]
    client.force_login(org.staff_x.user)
    page = page_of(client.get(reverse("collection:track_detail",
                                      args=[track.round_id, track.id])))
    field = attrs_of(page, f"value-{x1.id}")
    assert field["hx-get"] == reverse("collection:track_value_preview",
                                      args=[track.round_id, track.id])
    assert field["hx-trigger"].startswith("input changed delay:")
    assert field["hx-target"] == f"#preview-{x1.id}"
    assert page.autofocus == []
