"""The demo agencies: Bappeda & Litbang Kabupaten Banggai (every post the SOP names) and a
smaller second agency that shows agencies are kept apart and run procedures of their own. All
people are fictional."""

from kinerja.catalogue import demo as catalogues

# Unit: (code, name, kind, parent code, function tags)
# Person: (username, title prefix, name, title suffix, NIP | "pppk:NUMBER" | "", rank,
#          unit code, position kind, position title, acting "" | "plt" | "plh")
# "sop": the agency's SOP, a file of kinerja/sops/data; "catalogue": its demo Renstra.
# Every demo person's e-mail address is `demo_email(username)`: the demo's reminders are
# written as files under DATA_DIR/mail (settings: the file-based e-mail backend in demo mode).

# A reserved test domain (RFC 2606): no mail of the demo can reach a real mailbox.
DEMO_EMAIL_DOMAIN = "demo.kinerja.test"


def demo_email(username: str) -> str:
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


BAPPEDA = {
    "code": "bappeda-banggai",
    "name": "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah",
    "short_name": "Bappeda & Litbang",
    "government_name": "Pemerintah Kabupaten Banggai",
    "address": "Jl. Jend. Ahmad Yani No. 1, Luwuk, Kabupaten Banggai, Sulawesi Tengah",
    "units": [
        ("bappeda", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah",
         "agency", None, []),
        ("sekretariat", "Sekretariat", "secretariat", "bappeda", []),
        ("subbag-perencanaan", "Subbagian Perencanaan", "subsection", "sekretariat",
         ["planning"]),
        ("subbag-umum", "Subbagian Umum dan Kepegawaian", "subsection", "sekretariat", []),
        ("bidang-p2ep", "Bidang Perencanaan, Pengendalian dan Evaluasi Pembangunan",
         "division", "bappeda", []),
        ("subbid-data", "Subbidang Data dan Informasi Pembangunan", "subdivision",
         "bidang-p2ep", ["data"]),
        ("subbid-evaluasi", "Subbidang Pengendalian dan Evaluasi", "subdivision",
         "bidang-p2ep", []),
        ("bidang-ppm", "Bidang Pemerintahan dan Pembangunan Manusia", "division", "bappeda",
         []),
        ("subbid-pemerintahan", "Subbidang Pemerintahan dan Sosial Budaya", "subdivision",
         "bidang-ppm", []),
        ("bidang-ekonomi", "Bidang Perekonomian, Infrastruktur dan Kewilayahan", "division",
         "bappeda", []),
        ("subbid-ekonomi", "Subbidang Perekonomian dan Sumber Daya Alam", "subdivision",
         "bidang-ekonomi", []),
        ("bidang-litbang", "Bidang Penelitian dan Pengembangan", "division", "bappeda", []),
        ("subbid-penelitian", "Subbidang Penelitian dan Inovasi Daerah", "subdivision",
         "bidang-litbang", []),
    ],
    "people": [
        ("kepala", "Dr.", "Hendrik Lamadjido", "S.E., M.Si.", "197003122000031004", "IV/c",
         "bappeda", "head", "Kepala Bappeda & Litbang Kabupaten Banggai", ""),
        ("sekretaris", "", "Nurhayati Tuliabu", "S.Sos., M.AP.", "197405202001122003",
         "IV/b", "sekretariat", "secretary", "Sekretaris Bappeda & Litbang", ""),
        ("kasubbag.perencanaan", "", "Rahmat Daeng Matta", "S.T., M.T.",
         "198201152008011006", "III/d", "subbag-perencanaan", "subsection_head",
         "Kepala Subbagian Perencanaan", ""),
        ("kasubbag.umum", "", "Sitti Aminah Labolo", "S.H.", "198306092009022004", "III/c",
         "subbag-umum", "subsection_head", "Kepala Subbagian Umum dan Kepegawaian", ""),
        ("staf.sekretariat1", "", "Fadli Mokodompit", "S.Kom.", "199104032019031007",
         "III/a", "subbag-perencanaan", "staff", "Penyusun Program Anggaran dan Pelaporan",
         ""),
        ("staf.sekretariat2", "", "Wahyuni Pakaya", "A.Md.", "199511212020122012", "II/c",
         "subbag-umum", "staff", "Pengadministrasi Perkantoran", ""),
        ("admin.bappeda", "", "Yusuf Tangkilisan", "S.Kom.", "", "", "subbag-umum", "staff",
         "Pranata Komputer (Administrator Sistem)", ""),
        ("kabid.p2ep", "Ir.", "Abdul Gafur Lamaluta", "M.Si.", "197108171998031009", "IV/a",
         "bidang-p2ep", "division_head",
         "Kepala Bidang Perencanaan, Pengendalian dan Evaluasi Pembangunan", ""),
        ("kasubbid.data", "", "Meylan Ointu", "S.Si., M.Stat.", "198509232010012015",
         "III/d", "subbid-data", "subdivision_head",
         "Kepala Subbidang Data dan Informasi Pembangunan", ""),
        ("staf.data1", "", "Arfan Lasamba", "S.Stat.", "199207142018011003", "III/b",
         "subbid-data", "staff", "Statistisi Ahli Pertama", ""),
        ("staf.data2", "", "Novita Kalalo", "S.Kom.", "199603052022032008", "III/a",
         "subbid-data", "staff", "Pranata Komputer Ahli Pertama", ""),
        ("kasubbid.evaluasi", "", "Irwan Bakari", "S.E., M.M.", "198011022006041011",
         "III/d", "subbid-evaluasi", "subdivision_head",
         "Kepala Subbidang Pengendalian dan Evaluasi", ""),
        ("staf.p2ep1", "", "Dewi Sartika Lapodi", "S.E.", "199310102019032011", "III/a",
         "subbid-evaluasi", "staff", "Analis Perencanaan", ""),
        ("staf.p2ep2", "", "Rizal Paputungan", "", "", "", "subbid-evaluasi", "staff",
         "Pengolah Data Evaluasi (Tenaga Pendukung)", ""),
        ("kabid.ppm", "", "Samsul Bahri Djafar", "S.Pd., M.Pd.", "197206251999031005",
         "IV/a", "bidang-ppm", "division_head",
         "Kepala Bidang Pemerintahan dan Pembangunan Manusia", ""),
        ("kasubbid.pemerintahan", "", "Fitriani Husain", "S.IP., M.Si.",
         "198407182009022006", "III/d", "subbid-pemerintahan", "subdivision_head",
         "Kepala Subbidang Pemerintahan dan Sosial Budaya", ""),
        ("staf.ppm1", "", "Moh. Ikbal Tamu", "S.Sos.", "199002282017081002", "III/b",
         "subbid-pemerintahan", "staff", "Perencana Ahli Pertama", ""),
        ("staf.ppm2", "", "Rina Marlina Ladjiu", "S.K.M.", "199412012020122009", "III/a",
         "subbid-pemerintahan", "staff", "Analis Kebijakan Ahli Pertama", ""),
        ("kabid.ekonomi", "", "Yohanis Rumengan", "S.T., M.Eng.", "197510302002121003",
         "IV/a", "bidang-ekonomi", "division_head",
         "Kepala Bidang Perekonomian, Infrastruktur dan Kewilayahan", ""),
        ("kasubbid.ekonomi", "", "Hasnawati Daud", "S.P., M.Si.", "198604122011012012",
         "III/c", "subbid-ekonomi", "subdivision_head",
         "Kepala Subbidang Perekonomian dan Sumber Daya Alam", ""),
        ("staf.ekonomi1", "", "Andi Syahrul Gani", "S.E.", "199108082019031010", "III/a",
         "subbid-ekonomi", "staff", "Perencana Ahli Pertama", ""),
        ("staf.ekonomi2", "", "Maria Goreti Tampi", "S.T.", "199507172022032006", "III/a",
         "subbid-ekonomi", "staff", "Penata Kelola Sistem dan Teknologi Informasi", ""),
        ("kasubbid.penelitian", "", "Syamsudin Lahay", "S.Si., M.Sc.", "197902142005011008",
         "III/d", "subbid-penelitian", "subdivision_head",
         "Kepala Subbidang Penelitian dan Inovasi Daerah", ""),
        ("kasubbid.penelitian", "", "", "", "", "", "bidang-litbang", "division_head",
         "Kepala Bidang Penelitian dan Pengembangan", "plt"),
        ("staf.litbang1", "", "Sri Wahyuningsih Mile", "S.Si.", "199306262019032013",
         "III/a", "subbid-penelitian", "staff", "Peneliti Ahli Pertama", ""),
        ("staf.litbang2", "", "Gerry Lumempouw", "S.Kom.", "pppk:199709092023211004", "",
         "subbid-penelitian", "staff", "Pranata Komputer (PPPK)", ""),
    ],
    "admins": ["admin.bappeda"],
    "sop": "sop-mekanisme-pengumpulan-data-kinerja.yaml",
    "catalogue": catalogues.BAPPEDA,
}

KOMINFO = {
    "code": "diskominfo-banggai",
    "name": "Dinas Komunikasi, Informatika, Statistik dan Persandian",
    "short_name": "Diskominfo",
    "government_name": "Pemerintah Kabupaten Banggai",
    "address": "Jl. Dr. Moh. Hatta, Luwuk, Kabupaten Banggai, Sulawesi Tengah",
    "units": [
        ("diskominfo", "Dinas Komunikasi, Informatika, Statistik dan Persandian", "agency",
         None, []),
        ("sekretariat", "Sekretariat", "secretariat", "diskominfo", []),
        ("subbag-program", "Subbagian Program dan Keuangan", "subsection", "sekretariat",
         ["planning"]),
        ("bidang-statistik", "Bidang Statistik dan Persandian", "division", "diskominfo", []),
        ("subbid-data", "Subbidang Statistik Sektoral", "subdivision", "bidang-statistik",
         ["data"]),
    ],
    "people": [
        ("kominfo.kepala", "", "Ramli Saleh", "S.Sos., M.Si.", "197201101998031007", "IV/b",
         "diskominfo", "head", "Kepala Dinas Komunikasi, Informatika, Statistik dan Persandian",
         ""),
        ("kominfo.sekretaris", "", "Lusiana Mangge", "S.E.", "197808082003122005", "IV/a",
         "sekretariat", "secretary", "Sekretaris Dinas", ""),
        ("kominfo.kasubbag", "", "Budi Santoso Lolo", "S.Kom.", "198412122010011011", "III/c",
         "subbag-program", "subsection_head", "Kepala Subbagian Program dan Keuangan", ""),
        ("kominfo.kabid", "", "Agustina Pontoh", "S.Si., M.T.", "198008172005022009", "IV/a",
         "bidang-statistik", "division_head", "Kepala Bidang Statistik dan Persandian", ""),
        ("kominfo.kasubbid", "", "Ferdy Tuwo", "S.Stat.", "198705052011011014", "III/c",
         "subbid-data", "subdivision_head", "Kepala Subbidang Statistik Sektoral", ""),
        ("kominfo.staf1", "", "Nur Aisyah Basri", "S.Stat.", "199601182020122007", "III/a",
         "subbid-data", "staff", "Statistisi Ahli Pertama", ""),
        ("kominfo.staf2", "", "Reza Pahlevi Usman", "A.Md.", "199811112022031005", "II/c",
         "subbag-program", "staff", "Pengelola Keuangan", ""),
    ],
    "admins": [],
    # Its own, shorter procedure: no meeting, no unit recap, no hand-over, and nobody
    # initials the disposition after the secretary (the SOP's recording section).
    "sop": "sop-pengumpulan-data-ringkas.yaml",
    "catalogue": catalogues.KOMINFO,
}

DEMO_AGENCIES = [BAPPEDA, KOMINFO]
