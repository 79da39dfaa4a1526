from django.contrib.auth.management import create_permissions
from django.db import migrations

# Everyone on a desk reads its reminders; nobody adds, changes or deletes them by hand.
GROUPS = ["Reporter", "Editor", "Admin"]


def reminder_view_permission(apps):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="investigation", codename="view_reminder"
    )


def grant_reminder_permissions(apps, schema_editor):
    app_config = apps.get_app_config("investigation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*reminder_view_permission(apps))


def revoke_reminder_permissions(apps, schema_editor):
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*reminder_view_permission(apps))


class Migration(migrations.Migration):
    dependencies = [("investigation", "0005_install_default_schedules")]

    operations = [
        migrations.RunPython(grant_reminder_permissions, revoke_reminder_permissions)
    ]
