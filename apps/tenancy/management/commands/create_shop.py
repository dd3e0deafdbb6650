from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import ApplicationError
from apps.tenancy.models import Tenant
from apps.tenancy.services import shop_create


class Command(BaseCommand):
    help = "Create a shop: schema, domain, owner user and a first branch named in the shop's language (Persian: شعبه مرکزی, English: Main). Prints the schema name last."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--domain", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", required=True)
        parser.add_argument("--currency", default=Tenant.Currency.IRR, choices=Tenant.Currency.values)
        parser.add_argument("--language", default=Tenant.Language.FA, choices=Tenant.Language.values)
        parser.add_argument("--tax-regime", default=Tenant.TaxRegime.IR, choices=Tenant.TaxRegime.values)
        parser.add_argument("--timezone", default="Asia/Tehran")

    def handle(self, *args, **opts):
        try:
            shop = shop_create(
                name=opts["name"],
                domain=opts["domain"],
                owner_email=opts["owner_email"],
                owner_password=opts["owner_password"],
                currency=opts["currency"],
                language=opts["language"],
                tax_regime=opts["tax_regime"],
                timezone=opts["timezone"],
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(f"Shop '{shop.tenant.name}' created at {opts['domain']} in {shop.seconds:.2f} s.")
        self.stdout.write(shop.tenant.schema_name)
