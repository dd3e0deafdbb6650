"""manage.py create_staff --shop <schema or domain> --email --name --role [--password-stdin]

An operator adds a member of staff to a shop (the first owner of a shop
restored without one, a cashier for a shop on the phone). A password is
never an argument (it would sit in the shell history and the process
list): with --password-stdin it is read from standard input, else the
command prints a one-time link that sets it."""
import sys

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Role
from apps.accounts.services import password_link_make, staff_create
from apps.core.errors import ApplicationError
from apps.tenancy.management.commands._shop_arg import shop_from_option


class Command(BaseCommand):
    help = "Add a member of staff to a shop; prints a one-time set-password link unless --password-stdin."

    def add_arguments(self, parser):
        parser.add_argument("--shop", required=True, help="schema name or domain")
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--password-stdin", action="store_true", help="read the password from standard input (one line)")
        parser.add_argument("--base-url", default="", help="scheme and host of the link (default: https:// and the shop's domain)")

    def handle(self, *args, **opts):
        shop = shop_from_option(opts["shop"])
        password = None
        if opts["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("No password on standard input.")
        with shop:
            try:
                user = staff_create(actor=None, email=opts["email"], full_name=opts["name"], role=opts["role"],
                                    password=password, note="manage.py create_staff")
            except ApplicationError as exc:
                raise CommandError(f"{exc.code}: {exc.message}") from exc
            link = None if password is not None else password_link_make(user=user)
        self.stdout.write(f"{user.email} ({user.role}) added to {shop.schema_name}.")
        if link is not None:
            base = opts["base_url"].rstrip("/") or f"https://{shop.get_primary_domain().domain}"
            self.stdout.write(f"One-time link to set the password: {base}{link}")
