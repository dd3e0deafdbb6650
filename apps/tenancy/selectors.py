from django.db import connection
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, quote_schema_name

from apps.tenancy.models import Domain, Tenant

quote_name = connection.ops.quote_name


def shop_list_active() -> QuerySet[Tenant]:
    """Shops that serve and take background work: not suspended, not the template."""
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE, is_template=False).exclude(schema_name="public")


def shop_get_by_domain(domain: str) -> Tenant | None:
    return Tenant.objects.filter(domains__domain=domain.lower(), is_template=False).first()


def shop_for_host(hostname: str) -> Tenant | None:
    """The shop a host name routes to (templates and suspended shops too:
    the caller decides), read on every request: one plain query, whatever
    shop the connection points at (the tables are named with their schema,
    so no `SET search_path` to public comes first), without the ORM's
    compiling (a third of the cost; the columns need no conversion)."""
    public = quote_schema_name(get_public_schema_name())
    columns = [field.attname for field in Tenant._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(f't.{quote_name(c)}' for c in columns)} FROM {public}.{quote_name(Tenant._meta.db_table)} t "
            f"JOIN {public}.{quote_name(Domain._meta.db_table)} d ON d.tenant_id = t.id WHERE d.domain = %s",
            [hostname],
        )
        row = cursor.fetchone()
    return None if row is None else Tenant.from_db(connection.alias, columns, row)
