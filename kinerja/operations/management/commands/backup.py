from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from kinerja.operations.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database and the media files into one new tar archive, with the "
            "SHA-256 of every part in its MANIFEST.json. Safe while the site runs.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the archive to write, a new .tar file")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, choices=list(connections),
                            help="the database to back up (default: %(default)s)")

    def handle(self, *args, archive: Path, database: str, **options):
        try:
            manifest = backup_create(archive, database=connections[database].settings_dict,
                                     media_root=Path(settings.MEDIA_ROOT))
        except BackupError as error:
            raise CommandError(error.message) from None
        files = len(manifest.media)
        self.stdout.write(f"Backed up the {manifest.engine} database and {files} media "
                          f"file{'' if files == 1 else 's'} ({manifest.size:,} bytes) to "
                          f"{archive}.")
