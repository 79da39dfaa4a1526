from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Editor", "Admin"]


def grant_access_log(apps, schema_editor):
    app_config = apps.get_app_config("sources")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    view_log = Permission.objects.get(
        content_type__app_label="sources", codename="view_identityaccess"
    )
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.add(view_log)


def revoke_access_log(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="sources", codename="view_identityaccess"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_encrypt_identities_and_access_log"),
        ("investigation", "0003_create_roles"),
    ]

    operations = [migrations.RunPython(grant_access_log, revoke_access_log)]
