from django.contrib.auth.management import create_permissions
from django.db import migrations

# Reporters group the sources they log; editors may also delete a group.
ROLE_ACTIONS = {
    "Reporter": ["view", "add", "change"],
    "Editor": ["view", "add", "change", "delete"],
    "Admin": ["view", "add", "change", "delete"],
}


def permissions(apps, actions):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="sources",
        codename__in=[f"{action}_sharedaccount" for action in actions],
    )


def grant(apps, schema_editor):
    app_config = apps.get_app_config("sources")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    for name, actions in ROLE_ACTIONS.items():
        group = apps.get_model("auth", "Group").objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*permissions(apps, actions))


def revoke(apps, schema_editor):
    for name, actions in ROLE_ACTIONS.items():
        group = apps.get_model("auth", "Group").objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*permissions(apps, actions))


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0015_shared_accounts"),
        ("investigation", "0003_create_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
