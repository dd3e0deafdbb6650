from django.db.models import QuerySet

from apps.tenancy.models import Tenant


def shop_list_active() -> QuerySet[Tenant]:
    """Shops that serve and take background work: not suspended, not the template."""
    return Tenant.objects.filter(status=Tenant.Status.ACTIVE, is_template=False).exclude(schema_name="public")


def shop_get_by_domain(domain: str) -> Tenant | None:
    return Tenant.objects.filter(domains__domain=domain.lower(), is_template=False).first()
