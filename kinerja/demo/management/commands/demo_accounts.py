import json

from django.core.management.base import BaseCommand, CommandError

from kinerja.core.errors import DomainError
from kinerja.demo.services import demo_accounts
from kinerja.organisation.models import Person


class Command(BaseCommand):
    help = "Print the demo log-ins (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args, **options):
        try:
            accounts = demo_accounts()
        except DomainError as error:
            raise CommandError(error.message) from None
        # The address each person's reminders are mailed to (kinerja/demo/data.py:
        # demo_email; in demo mode the mails are files under DATA_DIR/mail).
        emails = dict(Person.objects.filter(
            user__username__in=[a.username for a in accounts]).values_list(
            "user__username", "email"))
        if options["json"]:
            self.stdout.write(json.dumps(
                [{"username": a.username, "password": a.password, "name": a.name,
                  "position": a.position, "unit": a.unit, "agency": a.agency,
                  "email": emails.get(a.username, "")}
                 for a in accounts], ensure_ascii=False, indent=2))
            return
        width = max(len(a.username) for a in accounts) if accounts else 10
        current = None
        for account in accounts:
            if account.agency != current:
                current = account.agency
                self.stdout.write(f"\n{current}")
            email = emails.get(account.username, "")
            self.stdout.write(f"  {account.username:<{width}}  {account.position}"
                              + (f"  <{email}>" if email else ""))
        if accounts:
            self.stdout.write(f"\nPassword for every demo account: {accounts[0].password}")
