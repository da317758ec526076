"""Backup and restore: the demo backed up, restored into an empty database and an empty media
directory, with every row and every file identical; damaged archives and non-empty targets
refused before anything is touched. Runs on SQLite and on PostgreSQL (DATABASE_URL).

The tests are transactional: pg_dump and SQLite's backup read the test database through
their own connection, which sees committed rows only.
"""

import hashlib
import io
import json
import tarfile
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from kinerja.operations.backup import (
    BackupError,
    backup_create,
    backup_restore,
    backup_verify,
    database_connect,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

# The smallest PNG (a 1×1 pixel) and a PDF header: file contents only, nothing parses them.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
PDF = b"%PDF-1.7\n% a scan of the signed page\n%%EOF\n"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def empty_database(tmp_path):
    """Settings for a new, empty database next to the test database (same engine)."""
    source = connection.settings_dict
    if not is_postgresql():
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    name = f"{source['NAME']}_restored"[:63]
    with database_connect({**source, "NAME": "postgres"}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield {**source, "NAME": name}
    with database_connect({**source, "NAME": "postgres"}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_fingerprint(database: dict) -> dict[str, tuple[int, str]]:
    """Every table's row count and a hash of its rows in a fixed order."""
    with database_connect(database) as db:
        if database["ENGINE"].endswith("sqlite3"):
            tables = [row[0] for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]
        else:
            tables = [row[0] for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        fingerprint = {}
        for table in sorted(tables):
            rows = sorted(repr(row) for row in db.execute(f'SELECT * FROM "{table}"'))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            fingerprint[table] = (len(rows), digest)
    return fingerprint


def files_under(root: Path) -> dict[str, str]:
    return {path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def demo(settings, media):
    """The demo agencies, people, SOP, catalogue and rounds, with a file of every kind the
    media directory holds: filed documents, a hardcopy scan, evidence, a logo and the
    signing certificates. (The demo files 46 documents after its commits; rendering them
    all would take 20 s, so the test files those of two steps.)"""
    from kinerja.collection.models import Evidence, IndicatorValue, Round
    from kinerja.demo.services import demo_setup
    from kinerja.documents.models import DocumentSettings, Hardcopy
    from kinerja.documents.services import documents_issue_for

    settings.DEMO_MODE = True
    settings.KINERJA_ISSUE_DOCUMENTS = False
    demo_setup()
    finalised = Round.objects.get(agency__code="bappeda-banggai", period="Y")
    documents = []
    for execution in finalised.executions.order_by("id")[:2]:
        documents += documents_issue_for(execution.id)
    assert documents
    head = finalised.agency.people.first()
    hardcopy = Hardcopy(document=documents[0], filed_by=head, filed_on=date(2026, 1, 15),
                        location="Lemari arsip 2", recorded_by=head.user, scan_name="scan.pdf")
    hardcopy.scan.save("scan.pdf", ContentFile(PDF), save=False)
    hardcopy.save()
    value = IndicatorValue.objects.filter(track__round=finalised).first()
    for number in range(3):
        evidence = Evidence(value=value, original_name=f"bukti {number}.png",
                            content_type="image/png", size=len(PNG), uploaded_by=head.user,
                            sha256=hashlib.sha256(PNG).hexdigest())
        evidence.file.save(f"bukti-{number}.png", ContentFile(PNG))
    letterhead = DocumentSettings.objects.get(agency=finalised.agency)
    letterhead.logo.save("lambang-banggai-ñ.png", ContentFile(PNG))
    return media


def test_backup_of_the_demo_restores_every_row_and_file(demo, empty_database, tmp_path):
    source = connection.settings_dict
    archive = tmp_path / "kinerja.tar"

    manifest = backup_create(archive, database=source, media_root=demo)

    restored_media = tmp_path / "restored-media"
    backup_restore(archive, database=empty_database, media_root=restored_media)
    before, after = database_fingerprint(source), database_fingerprint(empty_database)
    assert after == before
    assert before["collection_indicatorvalue"][0] > 0
    assert before["documents_document"][0] > 0
    assert sum(count for count, _ in before.values()) > 1000
    files = files_under(demo)
    assert files_under(restored_media) == files
    assert {name.split("/")[0] for name in files} == {
        "documents", "hardcopies", "evidence", "letterhead", "certificates"}
    assert {part.name for part in manifest.media} == {f"media/{name}" for name in files}
    assert archive.stat().st_mode & 0o077 == 0  # password hashes and the signing key inside


@pytest.fixture
def archive_of_one_file(media, tmp_path) -> Path:
    """A backup of the (test) database and a media directory holding one evidence file."""
    (media / "evidence").mkdir()
    (media / "evidence" / "a.pdf").write_bytes(PDF)
    archive = tmp_path / "kinerja.tar"
    backup_create(archive, database=connection.settings_dict, media_root=media)
    return archive


def test_restore_checks_every_checksum_before_touching_anything(media, empty_database,
                                                                tmp_path, archive_of_one_file):
    archive = archive_of_one_file
    damaged = tmp_path / "damaged.tar"
    content = archive.read_bytes()
    offset = content.index(PDF)
    damaged.write_bytes(content[:offset] + b"%PDX" + content[offset + 4:])
    empty_before = database_fingerprint(empty_database)
    restored_media = tmp_path / "restored-media"

    with pytest.raises(BackupError, match=r"damaged.*media/evidence/a\.pdf.*checksum"):
        backup_restore(damaged, database=empty_database, media_root=restored_media)
    with pytest.raises(BackupError, match="damaged"):
        backup_verify(damaged)

    assert database_fingerprint(empty_database) == empty_before
    assert not restored_media.exists() or not any(restored_media.iterdir())
    assert backup_verify(archive).media[0].name == "media/evidence/a.pdf"


def rewrite_archive(archive: Path, target: Path, *, manifest=None, extra=()) -> None:
    """A copy of `archive` with its manifest replaced and extra members added."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source:
            data = source.extractfile(member).read()
            if member.name == "MANIFEST.json" and manifest is not None:
                data = json.dumps(manifest(json.loads(data))).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in extra:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("change, message", [
    ("member outside the manifest", "not in the manifest"),
    ("path out of the media directory", "not a path"),
    ("manifest without its database", r"MANIFEST\.json cannot be used"),
    ("truncated", "damaged"),
    ("not a tar file", "damaged"),
])
def test_restore_refuses_an_archive_it_cannot_trust(media, empty_database, tmp_path, change,
                                                    message):
    archive = tmp_path / "kinerja.tar"
    backup_create(archive, database=connection.settings_dict, media_root=media)
    bad = tmp_path / "bad.tar"
    if change == "member outside the manifest":
        rewrite_archive(archive, bad, extra=[("media/added.js", b"alert(1)")])
    elif change == "path out of the media directory":
        def escape(manifest):
            manifest["media"].append({"name": "media/../../escaped.txt", "size": 1,
                                      "sha256": hashlib.sha256(b"x").hexdigest()})
            return manifest
        rewrite_archive(archive, bad, manifest=escape, extra=[("media/../../escaped.txt",
                                                               b"x")])
    elif change == "manifest without its database":
        rewrite_archive(archive, bad, manifest=lambda manifest: {**manifest, "database": None})
    elif change == "truncated":
        bad.write_bytes(archive.read_bytes()[:1500])
    else:
        bad.write_bytes(b"this is not a backup")
    restored_media = tmp_path / "restored-media"

    with pytest.raises(BackupError, match=message):
        backup_restore(bad, database=empty_database, media_root=restored_media)
    assert database_fingerprint(empty_database) == {}
    assert not (tmp_path / "escaped.txt").exists()
    assert not restored_media.exists() or not any(restored_media.iterdir())


def test_restore_refuses_a_target_that_is_not_empty_unless_forced(media, empty_database,
                                                                  tmp_path,
                                                                  archive_of_one_file):
    archive = archive_of_one_file
    used_media = tmp_path / "used-media"
    used_media.mkdir()
    (used_media / "left-over.txt").write_bytes(b"someone's file")

    with pytest.raises(BackupError, match=r"media directory .* is not empty.*--force"):
        backup_restore(archive, database=empty_database, media_root=used_media)
    assert database_fingerprint(empty_database) == {}
    backup_restore(archive, database=empty_database, media_root=tmp_path / "restored-media")
    with pytest.raises(BackupError, match=r"database .* is not empty.*--force"):
        backup_restore(archive, database=empty_database, media_root=tmp_path / "other")
    assert not (tmp_path / "other").exists()

    (tmp_path / "restored-media" / "evidence" / "a.pdf").write_bytes(b"changed")
    backup_restore(archive, database=empty_database, media_root=tmp_path / "restored-media",
                   force=True)
    backup_restore(archive, database=empty_database, media_root=used_media, force=True)
    assert (tmp_path / "restored-media" / "evidence" / "a.pdf").read_bytes() == PDF
    assert files_under(used_media) == {**files_under(media),
                                       "left-over.txt": files_under(used_media)["left-over.txt"]}
    assert database_fingerprint(empty_database) == database_fingerprint(
        connection.settings_dict)


def test_the_commands_back_up_and_refuse_to_restore_over_the_live_database(media, tmp_path):
    (media / "documents").mkdir()
    (media / "documents" / "d.pdf").write_bytes(PDF)
    archive = tmp_path / "kinerja.tar"
    out = StringIO()

    call_command("backup", str(archive), stdout=out)

    assert "1 media file" in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive), stdout=StringIO())
    out = StringIO()
    call_command("restore", str(archive), "--check", stdout=out)
    assert "intact" in out.getvalue()
    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(archive), stdout=StringIO())
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("restore", str(tmp_path / "missing.tar"), stdout=StringIO())
