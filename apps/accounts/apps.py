from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Staff"

    def ready(self):
        from django.apps import apps

        from apps.accounts.roles import roles_sync

        # Runs in whichever schema was just migrated, so the template (and
        # every shop made from it) has the role groups; after the last app's
        # turn, when every app's permissions exist (each app's are created on
        # its own post_migrate; apps without models get none).
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(roles_sync, sender=last, dispatch_uid="accounts.roles_sync")
