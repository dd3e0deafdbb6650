from django.conf import settings
from django.core.management.base import BaseCommand

from apps.tenancy.services import platform_ensure, template_schema_ensure


class Command(BaseCommand):
    help = "Idempotent: the public site's tenant and domains, and the template schema shops are cloned from."

    def handle(self, *args, **opts):
        platform_ensure(domains=settings.PUBLIC_DOMAINS)
        template_schema_ensure()
        self.stdout.write("platform ready")
