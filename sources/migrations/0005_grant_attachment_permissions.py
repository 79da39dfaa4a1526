from django.contrib.auth.management import create_permissions
from django.db import migrations

# Reporters add attachments and retitle them; editors and admins may also delete them.
GRANTS = {
    "Reporter": ["view", "add", "change"],
    "Editor": ["view", "add", "change", "delete"],
    "Admin": ["view", "add", "change", "delete"],
}


def attachment_permissions(apps, actions):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="sources",
        codename__in=[f"{action}_attachment" for action in actions],
    )


def grant_attachment_permissions(apps, schema_editor):
    app_config = apps.get_app_config("sources")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.add(*attachment_permissions(apps, GRANTS[group.name]))


def revoke_attachment_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*attachment_permissions(apps, GRANTS[group.name]))


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0004_attachments"),
        ("investigation", "0003_create_roles"),
    ]

    operations = [
        migrations.RunPython(grant_attachment_permissions, revoke_attachment_permissions)
    ]
