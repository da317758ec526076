"""A whole round through /api/v1/ alone: every persona gets a token from POST /auth/token and
does their steps over HTTP; no service is called and no row is made by the test itself
(the personas, the SOP and the catalogue are the shared fixtures)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from .support import Caller, issue_token

pytestmark = pytest.mark.django_db

PERSONAS = ["head", "secretary", "kasubbag", "kasubbid_data", "staff_data", "staff_x",
            "kabid_x", "staff_y", "kabid_y", "staff_sek"]

# The catalogue fixture: X1, X2 (Bidang X), Y1 (Bidang Y), S1 (Sekretariat), each with a 2026
# Renstra target of 10, no PK target and no quarter targets; aggregation is the model's
# default, "last" (the latest quarter is the position). For the Q3 round:
# - target: no Q3 target of its own, so the default rule (pro rata for *sum* indicators
#   only) gives a "last" indicator the year's target itself: 10 (not 10 × 3/4 = 7,5);
# - realisation: for a "last" indicator, the quarter's own value (not the year to date);
# - achievement (positive polarity): realisation ÷ target × 100;
# - category (Permendagri 86/2017): ≥ 91 Sangat Tinggi, ≥ 76 Tinggi, ≥ 66 Sedang,
#   ≥ 51 Rendah, below Sangat Rendah.
#   X1  9,5  → 9,5 ÷ 10 × 100 =  95,00 → very_high
#   X2  7,6  → 7,6 ÷ 10 × 100 =  76,00 → high (76 is the band's lower bound, inclusive)
#   Y1  12   → 12 ÷ 10 × 100  = 120,00 → very_high (not capped); it was 6,6 (66,00, medium)
#       before its Kabid returned it
#   S1  5,05 → 5,05 ÷ 10 × 100 = 50,50 → very_low (below 51)
# Below 91 % the agency's default threshold requires an explanation (X2, S1, and Y1's first
# value); there is no previous quarter, so no change percentage.
EXPECTED = {
    "X1": ("10", "9.5", "95.00", "very_high", False),
    "X2": ("10", "7.6", "76.00", "high", True),
    "Y1": ("10", "12", "120.00", "very_high", False),
    "S1": ("10", "5.05", "50.50", "very_low", True),
}


def test_a_whole_round_through_the_api(org, sop, catalogue):
    api = {name: Caller(issue_token(name)) for name in PERSONAS}
    me = {name: api[name].ok("GET", "/me") for name in PERSONAS}
    today = timezone.localdate()

    # Step 1: the head drafts and signs the disposition; the round opens.
    [sop_summary] = api["head"].ok("GET", "/sops")
    draft = api["head"].ok("POST", "/dispositions", {
        "sop_id": sop_summary["id"], "year": 2026, "period": "Q3", "date": str(today),
        "speed": "segera", "subject": "Pengumpulan data kinerja triwulan III",
        "instruction": "Kumpulkan data kinerja triwulan III.",
        "deadline": str(today + timedelta(days=14))}, status=201)
    assert draft["round_id"] is None
    opened = api["head"].ok("POST", f"/dispositions/{draft['id']}/sign",
                            {"version": draft["version"]})
    round_url = f"/rounds/{opened['id']}"

    def version(who="head"):
        return api[who].ok("GET", round_url)["version"]

    # Step 2: the secretary forwards, the Kasubbag Perencanaan initials, the data subsection
    # builds the format.
    assert "forward" in {t["code"] for t in api["secretary"].ok("GET", "/tasks")}
    api["secretary"].ok("POST", f"{round_url}/forward",
                        {"version": opened["version"], "instruction": "Siapkan format."})
    api["kasubbag"].ok("POST", f"{round_url}/initial", {"version": version()})
    data = api["kasubbid_data"]
    data.ok("POST", f"{round_url}/format", {
        "version": version(), "due_date": str(today + timedelta(days=10))})
    items = data.ok("GET", round_url)["format"]["items"]
    indicator = {item["code"]: item["indicator_id"] for item in items}
    assert set(indicator) == set(EXPECTED)
    data.ok("POST", f"{round_url}/format/indicators",
            {"version": version(), "indicator_ids": sorted(indicator.values())})
    data.ok("POST", f"{round_url}/format/finalise", {"version": version()})

    # Step 3: sent to every unit, whose tracks start; step 4: the meeting.
    data.ok("POST", f"{round_url}/format/send", {"version": version()})
    data.ok("POST", f"{round_url}/format/revise", {
        "version": version(), "indicator_ids": sorted(indicator.values()),
        "change_note": "Batas waktu diperpanjang.",
        "due_date": str(today + timedelta(days=12))})
    invited = [me[name]["person_id"] for name in ("kabid_x", "kabid_y", "secretary",
                                                  "staff_x", "staff_y")]
    data.ok("POST", f"{round_url}/meeting", {
        "version": version(), "held_at": timezone.now().isoformat(), "place": "Ruang rapat",
        "invitee_ids": invited, "attendee_ids": invited[:3],
        "minutes": "Format dibahas bersama.", "decisions": "Data masuk tanggal 12."})
    state = data.ok("GET", round_url)
    assert state["format"]["number"] == 2 and state["meeting"]["attendee_ids"] == sorted(
        invited[:3])
    track = {t["unit"]: t["id"] for t in state["tracks"]}
    assert set(track) == {"Sekretariat", "Bidang X", "Bidang Y"}

    def track_url(unit):
        return f"{round_url}/tracks/{track[unit]}"

    def track_version(who, unit):
        return api[who].ok("GET", track_url(unit))["version"]

    # Steps 5–6: each unit's staff enter values (the machine form "9.5" or a JSON number),
    # complete the format and submit the recap.
    def enter(who, unit, values):
        rows = {r["code"]: r for r in api[who].ok("GET", track_url(unit))["rows"]}
        body = [{"indicator_id": indicator[code], "value": value, "explanation": explanation,
                 "version": rows[code]["version"]} for code, (value, explanation)
                in values.items()]
        saved = api[who].ok("PUT", f"{track_url(unit)}/values", body)
        api[who].ok("POST", f"{track_url(unit)}/complete",
                    {"version": saved["version"]})
        return api[who].ok("POST", f"{track_url(unit)}/submit",
                           {"version": track_version(who, unit)})

    enter("staff_x", "Bidang X", {"X1": ("9.5", ""),
                                  "X2": (7.6, "Dua kegiatan bergeser ke triwulan IV.")})
    enter("staff_y", "Bidang Y", {"Y1": ("6.6", "Data sementara.")})
    enter("staff_sek", "Sekretariat", {"S1": ("5.05", "Anggaran dipangkas.")})

    # Step 7: the Kabid of Bidang Y returns the recap once, with a comment; the staff see it
    # and correct the value.
    returned = api["kabid_y"].ok("POST", f"{track_url('Bidang Y')}/return", {
        "version": track_version("kabid_y", "Bidang Y"),
        "reason": "Y1 belum sesuai laporan triwulan III.",
        "comments": {str(indicator["Y1"]): "Periksa laporan kegiatan."}})
    assert returned["stage"] == 0
    page = api["staff_y"].ok("GET", track_url("Bidang Y"))
    assert [r["reason"] for r in page["returns"]] == ["Y1 belum sesuai laporan triwulan III."]
    assert page["returns"][0]["comments"] == {str(indicator["Y1"]): "Periksa laporan kegiatan."}
    assert "enter" in page["my_tasks"]
    enter("staff_y", "Bidang Y", {"Y1": ("12", "")})

    # Step 7 again and step 8: unit heads approve and hand over; the data subsection
    # acknowledges each.
    for head, unit in (("kabid_x", "Bidang X"), ("kabid_y", "Bidang Y"),
                       ("secretary", "Sekretariat")):
        api[head].ok("POST", f"{track_url(unit)}/approve",
                     {"version": track_version(head, unit), "note": "Sesuai."})
        api[head].ok("POST", f"{track_url(unit)}/handover",
                     {"version": track_version(head, unit)})
        acknowledged = data.ok("POST", f"{track_url(unit)}/acknowledge",
                               {"version": track_version("kasubbid_data", unit)})
        assert acknowledged["stage"] == 3

    # Step 9: the data subsection's staff finalise.
    assert "agency_recap" in {t["code"] for t in api["staff_data"].ok("GET", "/tasks")}
    finalised = api["staff_data"].ok("POST", f"{round_url}/finalise",
                                     {"version": version("staff_data")})
    assert finalised["status"] == "finalised"

    final = api["head"].ok("GET", round_url)
    assert [step["number"] for step in final["steps"]] == list(range(1, 10))
    assert all(e["status"] != "open" for step in final["steps"] for e in step["executions"])
    validation = next(step for step in final["steps"] if step["number"] == 7)
    assert sorted(e["status"] for e in validation["executions"]) == [
        "done", "done", "done", "returned"]

    recap = api["head"].ok("GET", f"{round_url}/recap")
    assert recap["hidden_units"] == []
    assert all(c["complete"] and c["stage"] == 3 for c in recap["completeness"])
    got = {row["code"]: (row["target"], row["realisation"], row["achievement_percent"],
                         row["category"], row["needs_explanation"]) for row in recap["rows"]}
    assert got == EXPECTED
    assert {row["code"]: row["category_label"] for row in recap["rows"]} == {
        "X1": "Sangat Tinggi", "X2": "Tinggi", "Y1": "Sangat Tinggi", "S1": "Sangat Rendah"}
