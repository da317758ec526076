import logging

from django.core.management.base import BaseCommand, CommandError

from kinerja.core.errors import DomainError
from kinerja.demo.services import demo_setup


class Command(BaseCommand):
    help = "Create the demo agencies, people, log-ins and SOP (demo mode only)."

    def handle(self, *args, **options):
        # The demo runs each step's documents job as it builds the rounds: a few hundred jobs,
        # each logged twice at INFO by django-tasks. Only their problems are worth printing.
        logging.getLogger("django_tasks").setLevel(logging.WARNING)
        try:
            accounts = demo_setup()
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Demo ready: {len(accounts)} accounts in "
                          f"{len({a.agency for a in accounts})} agencies.")
