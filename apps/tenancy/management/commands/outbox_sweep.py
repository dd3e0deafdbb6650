from datetime import timedelta

from django.core.management.base import BaseCommand
from django_tenants.utils import schema_context

from apps.core.outbox import outbox_sweep
from apps.tenancy.management.commands._shop_arg import shop_from_option
from apps.tenancy.selectors import shop_list_active


class Command(BaseCommand):
    help = "Relay the outbox backlog now (what the periodic sweep does), e.g. after a broker outage."

    def add_arguments(self, parser):
        parser.add_argument("--shop", action="append", help="schema name or domain (repeat for several); default: every active shop")

    def handle(self, *args, **opts):
        shops = [shop_from_option(s) for s in opts["shop"]] if opts["shop"] else list(shop_list_active().order_by("schema_name"))
        for shop in shops:
            with schema_context(shop.schema_name):
                relayed = outbox_sweep(grace=timedelta(0), time_budget=600)
            self.stdout.write(f"{shop.schema_name}: {relayed} event(s) relayed")
