"""File the documents that completed steps should have filed and have not."""

from django.core.management.base import BaseCommand, CommandError

from kinerja.collection.models import Round
from kinerja.documents.services import documents_issue_missing


class Command(BaseCommand):
    help = "Files the missing documents of completed steps (all rounds, or one with --round)."

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, dest="round_id", help="only this round's id")

    def handle(self, *args, round_id=None, **options):
        rounds = Round.objects.select_related("agency").order_by("id")
        if round_id is not None:
            rounds = rounds.filter(id=round_id)
            if not rounds.exists():
                raise CommandError(f"There is no round {round_id}.")
        total = 0
        for round_ in rounds:
            issued = documents_issue_missing(round_)
            total += len(issued)
            if issued:
                self.stdout.write(f"{round_.agency.short_name} {round_}: {len(issued)} filed")
        self.stdout.write(f"{total} documents filed.")
