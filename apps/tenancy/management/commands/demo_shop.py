import secrets

from django.core.management.base import BaseCommand

from apps.accounts.models import User
from apps.tenancy.selectors import shop_get_by_domain
from apps.tenancy.services import shop_create


class Command(BaseCommand):
    help = "Idempotent: the demo shop at demo.localhost, with a fresh owner password printed each run."

    def add_arguments(self, parser):
        parser.add_argument("--domain", default="demo.localhost")
        parser.add_argument("--owner-email", default="owner@demo.localhost")

    def handle(self, *args, **opts):
        password = secrets.token_urlsafe(12)
        shop = shop_get_by_domain(opts["domain"])
        if shop is None:
            shop = shop_create(name="Demo Jewellers", domain=opts["domain"], owner_email=opts["owner_email"], owner_password=password).tenant
        else:
            with shop:
                owner = User.objects.get(email=opts["owner_email"])
                owner.set_password(password)
                owner.save(update_fields=["password"])
        self.stdout.write(f"demo shop: {shop.schema_name} at {opts['domain']}")
        self.stdout.write(f"owner login: {opts['owner_email']} / {password}")
