import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.core.selectors import background_status, dead_letters_open
from apps.tenancy.management.commands._shop_arg import shop_from_option


class Command(BaseCommand):
    help = "Background work per shop: outbox backlog, open dead letters, last stock reconciliation."

    def add_arguments(self, parser):
        parser.add_argument("--shop", action="append", help="schema name or domain (repeat for several); default: every active shop")
        parser.add_argument("--json", action="store_true", help="machine-readable output")

    def handle(self, *args, **opts):
        schemas = [shop_from_option(s).schema_name for s in opts["shop"] or []]
        shops = background_status(schema_names=schemas or None)
        letters = [d for d in dead_letters_open() if not schemas or d.schema_name in schemas]
        now = timezone.now()
        if opts["json"]:
            self.stdout.write(json.dumps({
                "shops": [
                    {"schema": s.schema_name, "name": s.name, "outbox_backlog": s.unpublished,
                     "oldest_unpublished": s.oldest_unpublished.isoformat() if s.oldest_unpublished else None,
                     "dead_letters_open": s.dead_letters_open,
                     "last_reconciliation": None if s.last_reconciliation is None else {
                         "at": s.last_reconciliation.started_at.isoformat(), **s.last_reconciliation.result}}
                    for s in shops
                ],
                "dead_letters": [
                    {"id": d.pk, "task": d.task_name, "schema": d.schema_name, "attempts": d.attempts,
                     "failed_at": d.failed_at.isoformat(), "exception": d.exception[:200]}
                    for d in letters
                ],
            }, indent=2, default=str))
            return
        self.stdout.write(f"{'shop':<28} {'backlog':>8} {'oldest':>10} {'dead':>5}  last reconciliation")
        for s in shops:
            oldest = f"{int((now - s.oldest_unpublished).total_seconds())}s" if s.oldest_unpublished else "-"
            run = s.last_reconciliation
            last = "never" if run is None else (
                f"{run.started_at:%Y-%m-%d %H:%M} drift={run.result.get('drift', 0)} oversold={run.result.get('oversold', 0)}"
            )
            self.stdout.write(f"{s.schema_name:<28} {s.unpublished:>8} {oldest:>10} {s.dead_letters_open:>5}  {last}")
        self.stdout.write(f"\nopen dead letters: {len(letters)}")
        for d in letters[:50]:
            self.stdout.write(f"  #{d.pk} {d.failed_at:%Y-%m-%d %H:%M} {d.schema_name} {d.task_name} "
                              f"attempts={d.attempts} {d.exception[:100]}")
