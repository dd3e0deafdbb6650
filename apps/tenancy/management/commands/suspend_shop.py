from django.core.management.base import BaseCommand

from apps.tenancy.management.commands._shop_arg import shop_from_option
from apps.tenancy.services import shop_suspend


class Command(BaseCommand):
    help = "Suspend a shop: its hosts answer 403 shop_suspended and serve none of its data."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="schema name or domain")

    def handle(self, *args, **opts):
        shop = shop_suspend(tenant=shop_from_option(opts["shop"]))
        self.stdout.write(f"{shop.schema_name} suspended")
