from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kinerja.core import limits
from kinerja.organisation.models import Agency
from kinerja.sops.loader import SopFileError, decode_sop_file
from kinerja.sops.services import sop_load


class Command(BaseCommand):
    help = "Load an SOP file (YAML) into an agency. The same file again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="the agency's code")

    def handle(self, *args, file: Path, agency: str, **options):
        found = Agency.objects.filter(code=agency).first()
        if found is None:
            raise CommandError(f"No agency with code {agency!r}. Known: "
                               + ", ".join(Agency.objects.values_list("code", flat=True)))
        try:
            # The size limit is the admin upload's; the file is not read when it is over it.
            with file.open("rb") as handle:
                content = handle.read(limits.SOP_FILE_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        try:
            text = decode_sop_file(content)
            result = sop_load(agency=found, text=text, source_name=file.name)
        except SopFileError as error:
            raise CommandError(f"{file} was not loaded:\n"
                               + "\n".join(f"  {file.name}, {p}" for p in error.problems)
                               ) from None
        version = result.version
        if result.created:
            self.stdout.write(f"Loaded {version.sop.number} '{version.title}' as version "
                              f"{version.version} ({version.steps.count()} steps) into {found}.")
        else:
            self.stdout.write(f"Unchanged: {version.sop.number} is already loaded as version "
                              f"{version.version} in {found}.")
