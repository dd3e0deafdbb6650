from django.core.management.base import CommandError

from apps.tenancy.models import Tenant


def shop_from_option(schema_or_domain: str) -> Tenant:
    """Operators name a shop by its schema or by one of its domains."""
    shop = (
        Tenant.objects.filter(schema_name=schema_or_domain, is_template=False).first()
        or Tenant.objects.filter(domains__domain=schema_or_domain.lower(), is_template=False).first()
    )
    if shop is None or shop.schema_name == "public":
        raise CommandError(f"No shop with schema or domain '{schema_or_domain}'.")
    return shop
