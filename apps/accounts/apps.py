from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Staff"

    def ready(self):
        from apps.accounts.roles import roles_sync

        # Runs in whichever schema was just migrated, so every shop (and the
        # template they are cloned from) has the role groups.
        post_migrate.connect(roles_sync, sender=self, dispatch_uid="accounts.roles_sync")
