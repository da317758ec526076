"""File the documents that completed steps should have filed and have not: those never issued
and those whose rendering or signature failed. One line per document filed and per failure;
the exit status is 1 when any document could not be filed."""

import logging

from django.core.management.base import BaseCommand, CommandError

from kinerja.collection.models import Round
from kinerja.documents.services import documents_issue_missing_report


def _where(round_, execution, track) -> str:
    unit = f" · {track.unit.name}" if track is not None else ""
    return f"{round_.agency.short_name} {round_} · step {execution.step.number}{unit}"


class Command(BaseCommand):
    help = ("Files the missing documents of completed steps (all rounds, or one with --round), "
            "retrying those that failed.")

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, dest="round_id", help="only this round's id")

    def handle(self, *args, round_id=None, **options):
        rounds = Round.objects.select_related("agency").order_by("id")
        if round_id is not None:
            rounds = rounds.filter(id=round_id)
            if not rounds.exists():
                raise CommandError(f"There is no round {round_id}.")
        # The command reports each failure itself: the service's log line would repeat it.
        service_log = logging.getLogger("kinerja.documents.services")
        level = service_log.level
        service_log.setLevel(logging.ERROR)
        try:
            filed, failed = self._issue(rounds)
        finally:
            service_log.setLevel(level)
        self.stdout.write(f"{filed} documents filed.")
        if failed:
            raise CommandError(f"{failed} documents could not be filed; see the lines above "
                               "and Document failures in the admin.")

    def _issue(self, rounds) -> tuple[int, int]:
        filed = failed = 0
        for round_ in rounds:
            try:
                report = documents_issue_missing_report(round_)
            except Exception as error:  # not a rendering or signing failure: go on all the same
                failed += 1
                self.stderr.write(f"FAILED  {round_.agency.short_name} {round_}: "
                                  f"{type(error).__name__}: {error}")
                continue
            for document in report.documents:
                self.stdout.write(f"filed   {_where(round_, document.execution, document.track)}"
                                  f" · {document.title}")
            for failure in report.failures:
                self.stdout.write(
                    f"FAILED  {_where(round_, failure.execution, failure.track)} · "
                    f"{failure.title}: {failure.headline} ({failure.detail})")
            filed += len(report.documents)
            failed += len(report.failures)
        return filed, failed
