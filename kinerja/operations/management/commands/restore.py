from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from kinerja.operations.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = ("Restore a `manage.py backup` archive into an empty database and an empty media "
            "directory, after checking every part's SHA-256. Stop the site first.")
    # Nothing may open the database before the restore has looked at it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="the archive `manage.py backup` wrote")
        parser.add_argument("--check", action="store_true",
                            help="only check the archive's checksums; restore nothing")
        parser.add_argument("--force", action="store_true",
                            help="replace the database's contents and add the files to the "
                                 "media directory even if they are not empty")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, choices=list(connections),
                            help="the database to restore into (default: %(default)s)")

    def handle(self, *args, archive: Path, check: bool, force: bool, database: str,
               **options):
        try:
            if check:
                manifest = backup_verify(archive)
            else:
                manifest = backup_restore(archive,
                                          database=connections[database].settings_dict,
                                          media_root=Path(settings.MEDIA_ROOT), force=force)
        except BackupError as error:
            raise CommandError(error.message) from None
        files = len(manifest.media)
        what = (f"the {manifest.engine} database and {files} media "
                f"file{'' if files == 1 else 's'} of {manifest.created}")
        if check:
            self.stdout.write(f"{archive} is intact: {what}, every checksum matches.")
        else:
            self.stdout.write(f"Restored {what}. Run `manage.py migrate` if this Kinerja is "
                              f"newer than {manifest.kinerja_version or 'the backup'}.")
