from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, quote_schema_name

from apps.tenancy.models import Domain, Tenant


def shop_list_active() -> QuerySet[Tenant]:
    """Shops that serve and take background work: not suspended, not the template."""
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE, is_template=False).exclude(schema_name="public")


def shop_get_by_domain(domain: str) -> Tenant | None:
    return Tenant.objects.filter(domains__domain=domain.lower(), is_template=False).first()


def shop_for_host(hostname: str) -> Tenant | None:
    """The shop a host name routes to (templates and suspended shops too:
    the caller decides), in one query whatever shop the connection points
    at: the tables are named with their schema, so no `SET search_path` to
    public is needed first."""
    public = quote_schema_name(get_public_schema_name())
    found = Tenant.objects.raw(
        f'SELECT t.* FROM {public}."{Tenant._meta.db_table}" t JOIN {public}."{Domain._meta.db_table}" d ON d.tenant_id = t.id '
        "WHERE d.domain = %s",
        [hostname],
    )
    return next(iter(found), None)
