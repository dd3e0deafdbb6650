from django.core.management.base import BaseCommand, CommandError

from apps.accounts.mfa import mfa_operator_reset
from apps.accounts.models import User
from apps.tenancy.management.commands._shop_arg import shop_from_option


class Command(BaseCommand):
    help = ("Clear a member of staff's two-step sign-in (the only owner lost the phone and the recovery codes); "
            "they set it up again at the next login if the shop requires it.")

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="schema name or domain")
        parser.add_argument("--email", required=True)

    def handle(self, *args, **opts):
        shop = shop_from_option(opts["shop"])
        with shop:
            user = User.objects.filter(email__iexact=opts["email"].strip()).first()
            if user is None:
                raise CommandError(f"No user {opts['email']} in {shop.schema_name}.")
            cleared = mfa_operator_reset(user=user)
        self.stdout.write(f"{user.email} in {shop.schema_name}: " + ("two-step sign-in cleared" if cleared else "had no two-step sign-in"))
