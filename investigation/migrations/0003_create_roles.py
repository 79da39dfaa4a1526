from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view"]
LOG = ["view", "add", "change"]
ALL = ["view", "add", "change", "delete"]

REPORTER = {
    "investigation.investigation": VIEW,
    "investigation.membership": VIEW,
    "investigation.followup": ALL,
    "events.location": LOG,
    "events.actor": LOG,
    "events.event": LOG,
    "events.eventactor": ALL,
    "sources.source": LOG,
    "sources.interview": LOG,
    "sources.interviewsource": ALL,
    "sources.interviewevent": ALL,
}
EDITOR = {
    **REPORTER,
    "events.location": ALL,
    "events.actor": ALL,
    "events.event": ALL,
    "sources.interview": ALL,
}
ADMIN = {
    **EDITOR,
    "investigation.investigation": ["view", "change"],
    "investigation.membership": ALL,
    "sources.source": ALL,
    "auth.user": LOG,
}
ROLE_PERMISSIONS = {"Reporter": REPORTER, "Editor": EDITOR, "Admin": ADMIN}


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for model_label, actions in grants.items():
            app_label, model = model_label.split(".")
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("investigation", "0002_initial"),
        ("events", "0002_initial"),
        ("sources", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
