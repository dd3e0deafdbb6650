from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.deadletters import dead_letter_retry
from apps.core.errors import ApplicationError
from apps.core.models import DeadLetter


class Command(BaseCommand):
    help = "Run dead-lettered tasks again (in their shop, with their arguments); each closes when its run succeeds."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--id", type=int, action="append", dest="ids", help="a dead letter id (repeat for several)")
        which.add_argument("--all-open", action="store_true", help="every open dead letter")

    def handle(self, *args, **opts):
        with schema_context(get_public_schema_name()):
            letters = DeadLetter.objects.filter(resolved=False).order_by("pk")
            if opts["ids"]:
                letters = letters.filter(pk__in=opts["ids"])
                missing = set(opts["ids"]) - set(letters.values_list("pk", flat=True))
                if missing:
                    raise CommandError(f"No open dead letter with id {', '.join(map(str, sorted(missing)))}.")
            failed = 0
            for letter in letters:
                try:
                    task_id = dead_letter_retry(dead_letter=letter)
                except ApplicationError as exc:
                    failed += 1
                    self.stderr.write(f"#{letter.pk}: {exc.message}")
                    continue
                self.stdout.write(f"#{letter.pk} {letter.task_name} in {letter.schema_name} sent again as {task_id}")
        if failed:
            raise CommandError(f"{failed} dead letter(s) could not be sent again.")
