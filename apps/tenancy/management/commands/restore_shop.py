from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.tenancy.shop_backup import shop_restore


class Command(BaseCommand):
    help = ("Bring back a shop from an export_shop file: schema, tenant row and domains, all or nothing, under its "
            "own schema and domains or new ones. Prints the schema name last.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--schema", help="Restore under this schema name (default: the exported shop's).")
        parser.add_argument("--domain", action="append", dest="domains",
                            help="A domain of the restored shop, instead of the exported ones (repeat for several; "
                                 "the first is primary).")

    def handle(self, *args, **opts):
        try:
            tenant = shop_restore(path=opts["file"], schema=opts["schema"], domains=opts["domains"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        domains = ", ".join(tenant.domains.order_by("-is_primary", "domain").values_list("domain", flat=True))
        self.stdout.write(f"Shop '{tenant.name}' restored in schema {tenant.schema_name} at {domains}.")
        self.stdout.write(tenant.schema_name)
