"""Backup and restore of an installation: the database and the media files in one tar archive,
with the size and SHA-256 of every part in a manifest.

The archive (uncompressed: the PDFs and images in it do not compress):

    database.sqlite3   SQLite: a consistent copy by SQLite's online backup API, or
    database.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/<path>       every file under MEDIA_ROOT (documents, scans, evidence, logos,
                       signing certificates), copied after the database: Kinerja only adds
                       files, so the copy holds every file the database names
    MANIFEST.json      format, engine, time, and each part's name, size and SHA-256

A restore reads the manifest, refuses a target that is not empty (unless forced), then
unpacks every part into a staging directory and checks its checksum. Only when all of them
match does it restore the database and move the files into place. The manifest detects
damage, not forgery: whoever can write an archive can write its manifest too.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from kinerja.core.errors import DomainError

FORMAT = "kinerja-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "MANIFEST.json"
MEDIA_PREFIX = "media/"
DATABASE_PART = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINES = {"django.db.backends.sqlite3": "sqlite", "django.db.backends.postgresql": "postgresql"}
CHUNK_SIZE = 1024 * 1024
# How long a backup waits for SQLite writers before it gives up (the site's own lock wait is
# 20 s, so a free moment comes long before this).
SQLITE_LOCK_WAIT_SECONDS = 120
# libpq settings Django passes in OPTIONS, as the environment variables pg_dump reads.
LIBPQ_OPTIONS = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
                 "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "passfile": "PGPASSFILE",
                 "service": "PGSERVICE", "connect_timeout": "PGCONNECT_TIMEOUT"}


class BackupError(DomainError):
    """A backup that cannot be written, or an archive or target that a restore refuses."""

    def __init__(self, message: str, *, code: str = "backup_refused"):
        super().__init__(message, code=code)


@dataclass(frozen=True)
class Part:
    name: str
    size: int
    sha256: str

    def as_json(self) -> dict:
        return {"name": self.name, "size": self.size, "sha256": self.sha256}


@dataclass(frozen=True)
class Manifest:
    engine: str
    created: str
    kinerja_version: str
    database: Part
    media: tuple[Part, ...]

    @property
    def parts(self) -> tuple[Part, ...]:
        return (self.database, *self.media)

    @property
    def size(self) -> int:
        return sum(part.size for part in self.parts)

    def to_json(self) -> bytes:
        return json.dumps({
            "format": FORMAT, "version": FORMAT_VERSION, "engine": self.engine,
            "created": self.created, "kinerja_version": self.kinerja_version,
            "database": self.database.as_json(),
            "media": [part.as_json() for part in self.media],
        }, indent=1, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, content: bytes) -> "Manifest":
        try:
            data = json.loads(content)
            if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
                raise ValueError(f"not a {FORMAT} version {FORMAT_VERSION} manifest")
            if data.get("engine") not in DATABASE_PART:
                raise ValueError(f"unknown database engine {data.get('engine')!r}")
            database = _part_from_json(data["database"])
            if database.name != DATABASE_PART[data["engine"]]:
                raise ValueError(f"the database part is named {database.name!r}")
            media = tuple(_part_from_json(item) for item in data["media"])
            for part in media:
                _check_media_name(part.name)
            names = [part.name for part in (database, *media)]
            if len(set(names)) != len(names):
                raise ValueError("a part is listed twice")
            return cls(engine=data["engine"], created=str(data.get("created", "")),
                       kinerja_version=str(data.get("kinerja_version", "")),
                       database=database, media=media)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"The backup archive's {MANIFEST_NAME} cannot be used: {error}. "
                              f"Nothing was restored.", code="backup_damaged") from None


def _part_from_json(item) -> Part:
    name, size, sha256 = item["name"], item["size"], item["sha256"]
    if not isinstance(name, str) or not isinstance(size, int) or size < 0:
        raise ValueError(f"the entry {item!r} is not a name and a size")
    if not (isinstance(sha256, str) and len(sha256) == 64
            and all(c in "0123456789abcdef" for c in sha256)):
        raise ValueError(f"the entry {name!r} has no SHA-256")
    return Part(name=name, size=size, sha256=sha256)


def _check_media_name(name: str) -> None:
    """A media part's name is a plain relative path under media/: nothing in it may lead out
    of the media directory it is restored into."""
    path = PurePosixPath(name)
    if (not name.startswith(MEDIA_PREFIX) or path.is_absolute() or "\\" in name
            or "\x00" in name or any(p in ("", ".", "..") for p in name.split("/"))
            or len(path.parts) < 2):
        raise ValueError(f"{name!r} is not a path inside the media directory")


def engine_of(database: dict) -> str:
    engine = ENGINES.get(database.get("ENGINE", ""))
    if engine is None:
        raise BackupError(f"Backups know SQLite and PostgreSQL; this database's engine is "
                          f"{database.get('ENGINE')!r}.")
    return engine


def database_connect(database: dict, *, autocommit: bool = False):
    """A plain DB-API connection to the database `database` (a Django settings entry)
    describes, outside Django's connection handling."""
    if engine_of(database) == "sqlite":
        name = str(database["NAME"])
        return sqlite3.connect(name, uri=name.startswith("file:"),
                               timeout=SQLITE_LOCK_WAIT_SECONDS)
    import psycopg

    params = {"dbname": database["NAME"], "host": database.get("HOST"),
              "port": database.get("PORT"), "user": database.get("USER"),
              "password": database.get("PASSWORD")}
    params.update({key: value for key, value in database.get("OPTIONS", {}).items()
                   if key in LIBPQ_OPTIONS})
    return psycopg.connect(**{key: value for key, value in params.items()
                              if value not in (None, "")}, autocommit=autocommit)


# --- backup ---------------------------------------------------------------------------------


def backup_create(archive: Path, *, database: dict, media_root: Path) -> Manifest:
    """Write the database and every file under `media_root` to a new tar file `archive`.

    The archive holds password hashes and the agencies' signing keys: it is created readable
    by its owner only. It appears only when complete (written under a temporary name, then
    renamed)."""
    archive, media_root = Path(archive).absolute(), Path(media_root).absolute()
    engine = engine_of(database)
    if archive.exists():
        raise BackupError(f"{archive} exists already; name a new file.")
    if not archive.parent.is_dir():
        raise BackupError(f"The directory {archive.parent} does not exist.")
    if archive.is_relative_to(media_root):
        raise BackupError(f"Write the backup outside the media directory {media_root}.")
    with tempfile.TemporaryDirectory(prefix=".kinerja-backup-", dir=archive.parent) as work:
        dump = Path(work) / DATABASE_PART[engine]
        if engine == "sqlite":
            _sqlite_copy(database, dump)
        else:
            _pg_dump(database, dump)
        unfinished = Path(work) / "archive.tar"
        descriptor = os.open(unfinished, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
                database_part = _add_file(tar, dump, DATABASE_PART[engine])
                media = tuple(_add_file(tar, path, MEDIA_PREFIX + name)
                              for name, path in _media_files(media_root))
                manifest = Manifest(engine=engine, created=_now(),
                                    kinerja_version=_kinerja_version(),
                                    database=database_part, media=media)
                _add_bytes(tar, MANIFEST_NAME, manifest.to_json())
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(unfinished, archive)
    return manifest


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _kinerja_version() -> str:
    try:
        return metadata.version("kinerja")
    except metadata.PackageNotFoundError:
        return ""


def _sqlite_copy(database: dict, target: Path) -> None:
    name = str(database["NAME"])
    if not name.startswith("file:") and not Path(name).is_file():
        raise BackupError(f"The database file {name} does not exist.")
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS

    def give_up_when_locked_too_long(status, remaining, total):
        # sqlite3 retries a locked step forever; a backup should end with a message instead.
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and (
                time.monotonic() > deadline):
            raise BackupError(f"The database stayed locked by another writer for "
                              f"{SQLITE_LOCK_WAIT_SECONDS} s; try again.")

    with closing(database_connect(database)) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy, progress=give_up_when_locked_too_long)


def _pg_environment(database: dict) -> dict:
    """The connection for pg_dump and pg_restore, in libpq's environment variables: the
    password never appears on a command line."""
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"),
                          ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            environment[variable] = str(database[key])
    for key, value in database.get("OPTIONS", {}).items():
        if key in LIBPQ_OPTIONS and value not in (None, ""):
            environment[LIBPQ_OPTIONS[key]] = str(value)
    return environment


def _pg_dbname(database: dict) -> str:
    """--dbname as a connection string, so that no database name is read as one."""
    name = str(database["NAME"]).replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{name}'"


def _run(command: list[str], database: dict) -> None:
    try:
        result = subprocess.run(command, env=_pg_environment(database), capture_output=True,
                                text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian package "
                          f"postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def _pg_dump(database: dict, target: Path) -> None:
    _run(["pg_dump", "--format=custom", f"--file={target}", f"--dbname={_pg_dbname(database)}"],
         database)


def _media_files(media_root: Path):
    """(name under media/, path) of every regular file under `media_root`, in a fixed order.
    Symbolic links are not followed: Kinerja writes none, and one could lead anywhere."""
    if not media_root.is_dir():
        return
    for directory, subdirectories, files in os.walk(media_root):
        subdirectories.sort()
        for file_name in sorted(files):
            path = Path(directory) / file_name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(media_root).as_posix(), path


class _HashingReader:
    def __init__(self, file):
        self.file = file
        self.hash = hashlib.sha256()

    def read(self, size=-1) -> bytes:
        data = self.file.read(size)
        self.hash.update(data)
        return data


def _tar_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> Part:
    """Adds the file, hashing the very bytes written."""
    try:
        with path.open("rb") as file:
            stat = os.fstat(file.fileno())
            reader = _HashingReader(file)
            tar.addfile(_tar_info(name, stat.st_size, stat.st_mtime), reader)
    except OSError as error:
        raise BackupError(f"{path} could not be read: {error}") from None
    return Part(name=name, size=stat.st_size, sha256=reader.hash.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    tar.addfile(_tar_info(name, len(content), time.time()), io.BytesIO(content))


# --- restore --------------------------------------------------------------------------------


def backup_verify(archive: Path) -> Manifest:
    """Reads the whole archive and checks every part against the manifest (restores
    nothing)."""
    with _open_archive(archive) as tar:
        manifest = _read_manifest(tar, archive)
        _unpack_verified(tar, manifest, archive, staging=None)
    return manifest


def backup_restore(archive: Path, *, database: dict, media_root: Path,
                   force: bool = False) -> Manifest:
    """Restore `archive` into `database` and `media_root`, both empty unless `force`.

    With `force`, the database's contents are replaced and the archive's files overwrite
    those of the same name; other files in the media directory stay."""
    media_root = Path(media_root).absolute()
    engine = engine_of(database)
    with _open_archive(archive) as tar:
        manifest = _read_manifest(tar, archive)
        if manifest.engine != engine:
            raise BackupError(f"{archive} holds a {manifest.engine} database; the target is "
                              f"{engine}.")
        if not force:
            _refuse_unless_empty(engine, database, media_root)
        media_root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".kinerja-restore-", dir=media_root.parent))
        try:
            _unpack_verified(tar, manifest, archive, staging=staging)
            if engine == "sqlite":
                _sqlite_restore(staging / manifest.database.name, database)
            else:
                _pg_restore(staging / manifest.database.name, database)
            for part in manifest.media:
                target = media_root / part.name.removeprefix(MEDIA_PREFIX)
                target.parent.mkdir(parents=True, exist_ok=True)
                # A rename where it can; a copy when the media directory is another mount.
                shutil.move(staging / part.name, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


class _open_archive:
    def __init__(self, archive: Path):
        self.archive = archive

    def __enter__(self) -> tarfile.TarFile:
        try:
            self.tar = tarfile.open(self.archive, mode="r:*")
        except FileNotFoundError:
            raise BackupError(f"{self.archive} cannot be read: there is no such file.") from None
        except OSError as error:
            raise BackupError(f"{self.archive} cannot be read: {error.strerror}.") from None
        except (tarfile.TarError, EOFError) as error:
            raise _damaged(self.archive, f"it is not a tar archive ({error})") from None
        return self.tar

    def __exit__(self, *exc_info) -> None:
        self.tar.close()


def _damaged(archive: Path, detail: str) -> BackupError:
    return BackupError(f"The backup archive {archive} is damaged: {detail}. Nothing was "
                       f"restored.", code="backup_damaged")


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> Manifest:
    try:
        member = tar.getmember(MANIFEST_NAME)
        content = tar.extractfile(member).read()
    except KeyError:
        raise _damaged(archive, f"it has no {MANIFEST_NAME}") from None
    except (tarfile.TarError, EOFError, OSError, AttributeError) as error:
        raise _damaged(archive, f"its {MANIFEST_NAME} cannot be read ({error})") from None
    return Manifest.from_json(content)


def _unpack_verified(tar: tarfile.TarFile, manifest: Manifest, archive: Path, *,
                     staging: Path | None) -> None:
    """Checks that the archive holds exactly the manifest's parts, as regular files with the
    listed size and SHA-256; with `staging`, writes each part there under its name."""
    expected = {part.name: part for part in manifest.parts}
    seen = set()
    try:
        for member in tar:
            if member.name == MANIFEST_NAME:
                continue
            part = expected.get(member.name)
            if part is None:
                raise _damaged(archive, f"{member.name!r} is not in the manifest")
            if member.name in seen or not member.isreg() or member.size != part.size:
                raise _damaged(archive, f"{member.name} is not the file the manifest lists")
            seen.add(member.name)
            digest = _copy_hashed(tar.extractfile(member),
                                  staging / member.name if staging else None)
            if digest != part.sha256:
                raise _damaged(archive, f"{member.name} does not match its checksum")
    except (tarfile.TarError, EOFError) as error:
        raise _damaged(archive, f"it cannot be read to the end ({error})") from None
    missing = sorted(expected.keys() - seen)
    if missing:
        raise _damaged(archive, f"{', '.join(missing[:5])} listed in the manifest "
                                f"{'is' if len(missing) == 1 else 'are'} missing")


def _copy_hashed(source, target: Path | None) -> str:
    digest = hashlib.sha256()
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") if target is not None else _discard() as sink:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            sink.write(chunk)
    return digest.hexdigest()


class _discard:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    def write(self, data: bytes) -> None:
        return None


def _refuse_unless_empty(engine: str, database: dict, media_root: Path) -> None:
    if not _database_is_empty(engine, database):
        raise BackupError(f"The database {database['NAME']} is not empty. Restore into a new, "
                          f"empty database, or give --force to replace its contents.")
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"The media directory {media_root} is not empty. Restore into an "
                          f"empty directory, or give --force to add the archive's files to "
                          f"it.")


def _database_is_empty(engine: str, database: dict) -> bool:
    if engine == "sqlite":
        name = str(database["NAME"])
        if not name.startswith("file:") and (not Path(name).exists()
                                             or Path(name).stat().st_size == 0):
            return True
        query = ("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                 "AND name NOT LIKE 'sqlite_%'")
    else:
        query = ("SELECT count(*) FROM information_schema.tables "
                 "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
    try:
        with closing(database_connect(database)) as connection:
            return connection.execute(query).fetchone()[0] == 0
    except Exception as error:  # sqlite3 and psycopg raise their own kinds
        raise BackupError(f"The database {database['NAME']} cannot be opened: "
                          f"{error}".strip()) from None


def _sqlite_restore(copy: Path, database: dict) -> None:
    name = str(database["NAME"])
    if not name.startswith("file:"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    # The online backup API, in the other direction: it replaces every page of the target
    # under SQLite's own locks, and leaves no journal of the old file behind.
    with closing(sqlite3.connect(copy)) as source, closing(database_connect(database)) as target:
        source.backup(target)


def _pg_restore(dump: Path, database: dict) -> None:
    # One transaction: a restore that fails half-way leaves the database as it was.
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={_pg_dbname(database)}",
          str(dump)], database)
