"""Send the reminders and escalations due now, and their e-mails (docs/reminders.md). Meant
for cron every 15 minutes: `*/15 * * * * manage.py send_reminders`. Outside an agency's working
time it does nothing for that agency; run twice, it sends nothing twice."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kinerja.notifications.services import sweep


class Command(BaseCommand):
    help = (
        "Writes the reminders and escalations of open steps that are due in working time, "
        "and sends their e-mails and the daily digests; prints the counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="sweep as at this moment (ISO 8601, e.g. "
            "2026-08-10T09:00+08:00); for checks and tests",
        )

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now: not an ISO 8601 moment: {now!r}") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        report = sweep(moment)
        if options["verbosity"] >= 1:
            self.stdout.write(str(report))
