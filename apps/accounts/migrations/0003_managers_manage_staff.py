"""Managers manage staff too, within their own permissions (a manager never
makes, changes or deactivates an owner: apps.accounts.services.role_within).
roles_sync gives new schemas the group; this gives it to existing shops."""
from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="accounts", codename="manage_staff").first()
    group = Group.objects.filter(name="manager").first()
    if permission is not None and group is not None:
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="manager").first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(codename="manage_staff"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_mfadevice_recoverycode"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(grant, revoke)]
