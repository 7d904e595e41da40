"""Dispatch the outbox's facts that were never dispatched or never finished (what the beat sweep does).

`make run` without a broker has no beat: scripts/run-dev.sh runs this every few seconds instead.
"""

from django.core.management.base import BaseCommand

from marketplace.outbox import redispatch_events


class Command(BaseCommand):
    help = "Dispatch the facts whose handlers were never enqueued or never finished."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"{redispatch_events()} fact(s) dispatched again.")
