from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.tenancy.management.commands._shop_arg import shop_from_option
from apps.tenancy.shop_backup import shop_export


class Command(BaseCommand):
    help = ("Export one shop to one file (its schema as pg_dump SQL, its tenant and domain rows, its migration "
            "state), for restore_shop. Prints the file's path last.")

    def add_arguments(self, parser):
        parser.add_argument("shop", help="The shop's schema or one of its domains.")
        parser.add_argument("--output", help="The file to write (default: <schema>-<UTC time>.tar.gz here).")

    def handle(self, *args, **opts):
        shop = shop_from_option(opts["shop"])
        path = Path(opts["output"] or f"{shop.schema_name}-{timezone.now():%Y%m%dT%H%M%SZ}.tar.gz")
        if path.exists():
            raise CommandError(f"{path} exists; choose another --output.")
        try:
            shop_export(tenant=shop, path=path)
        except (ApplicationError, RuntimeError) as exc:
            path.unlink(missing_ok=True)
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Shop '{shop.name}' ({shop.schema_name}) exported, {path.stat().st_size:,} bytes.")
        self.stdout.write(str(path))
