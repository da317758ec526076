import pytest
from django.urls import reverse

from kinerja.sops.services import sop_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(org, seed_sop_text):
    return sop_load(agency=org.agency, text=seed_sop_text).version


def test_sop_page_shows_every_identity_field_and_all_nine_steps(client, org, version):
    client.force_login(org.staff_y.user)
    page = client.get(reverse("sops:sop_detail", args=[version.sop_id])).content.decode()
    for text in ("207/050/01/Bappeda &amp; Litbang", "5 Februari 2020",
                 "MOH. RAMLI TONGKO, S.Sos, ST., M.Si", "Pembina Utama Muda, IV/c",
                 "19690815 199803 1 008", "PP No. 60 Tahun 2008",
                 "Memahami sasaran dan capaian program",
                 "SOP Tindak Lanjut Hasil Pemeriksaan", "Komputer/laptop",
                 "pelaporan akan terhambat", "Lembar disposisi, paraf",
                 "softcopy maupun hardcopy", "Kasubbag Perencanaan Bappeda dan Litbang",
                 "Menyampaikan laporan hasil monitoring RENSTRA",
                 "Kinerja mengikuti tabel prosedur"):
        assert text in page, text
    assert page.count('data-step="') == 9
    for step in version.steps.all():
        assert step.description in page
    assert "480 menit (8 jam)" in page
    assert "2055 menit (34 jam 15 menit)" in page  # total of the nine time standards


def test_sop_page_in_english(client, org, version):
    org.staff_y.user.language = "en"
    org.staff_y.user.save()
    client.force_login(org.staff_y.user)
    page = client.get(reverse("sops:sop_detail", args=[version.sop_id])).content.decode()
    for text in ("Legal basis", "Approved by", "Required inputs", "5 February 2020",
                 "480 minutes (8 hours)", "Quality standard"):
        assert text in page, text


def test_older_versions_stay_readable(client, org, version, seed_sop_text):
    sop_load(agency=org.agency, text=seed_sop_text.replace("time_minutes: 30",
                                                           "time_minutes: 45"))
    client.force_login(org.staff_y.user)
    current = client.get(reverse("sops:sop_detail", args=[version.sop_id]))
    assert current.context["version"].version == 2
    old = client.get(reverse("sops:sop_version_detail", args=[version.sop_id, 1]))
    assert old.context["version"].steps.get(number=2).time_standard_minutes == 30
    missing = client.get(reverse("sops:sop_version_detail", args=[version.sop_id, 7]))
    assert missing.status_code == 404


def test_sop_list_shows_only_the_agencys_sops(client, org, version, seed_sop_text):
    other = sop_load(agency=org.other_agency, text=seed_sop_text.replace(
        "Mekanisme Pengumpulan Data Kinerja", "SOP Badan B")).version
    client.force_login(org.staff_y.user)
    listing = client.get(reverse("sops:sop_list"))
    assert [sop.id for sop in listing.context["sops"]] == [version.sop_id]
    client.force_login(org.outsider.user)
    listing = client.get(reverse("sops:sop_list"))
    assert [sop.id for sop in listing.context["sops"]] == [other.sop_id]


def test_sop_list_query_count_does_not_grow_with_sops(client, org, seed_sop_text,
                                                      django_assert_max_num_queries):
    for number in range(5):
        sop_load(agency=org.agency, text=seed_sop_text.replace(
            '"207/050/01/Bappeda & Litbang"', f'"SOP-{number}"'))
    client.force_login(org.staff_y.user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("sops:sop_list")).status_code == 200


def test_api_returns_the_whole_sop(client, org, version):
    client.force_login(org.staff_y.user)
    data = client.get(f"/api/v1/sops/{version.sop_id}").json()
    assert data["number"] == "207/050/01/Bappeda & Litbang"
    assert data["date_revised"] is None
    assert [step["time_standard_minutes"] for step in data["steps"]] == [15, 30, 15, 60, 480,
                                                                         480, 480, 15, 480]
    assert data["steps"][6]["returns_to"] == 5
    assert data["steps"][8]["actor_unit_function"] == "data"
