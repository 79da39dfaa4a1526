from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view"]
LOG = ["view", "add", "change"]
ALL = ["view", "add", "change", "delete"]
REPORTER = {"claim": LOG, "evidence": ALL, "document": LOG, "story": VIEW}
EDITOR = {**REPORTER, "claim": ALL, "document": ALL, "story": LOG,
          "overrideapproval": VIEW}  # fmt: skip
ROLE_PERMISSIONS = {"Reporter": REPORTER, "Editor": EDITOR, "Admin": EDITOR}


def permissions(apps, actions_by_model):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in actions_by_model.items()
                 for action in actions]  # fmt: skip
    return Permission.objects.filter(content_type__app_label="stories", codename__in=codenames)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("stories")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    for name, actions_by_model in ROLE_PERMISSIONS.items():
        group = apps.get_model("auth", "Group").objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*permissions(apps, actions_by_model))


def revoke(apps, schema_editor):
    for name, actions_by_model in ROLE_PERMISSIONS.items():
        group = apps.get_model("auth", "Group").objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*permissions(apps, actions_by_model))


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0003_claims_evidence_documents"),
        ("investigation", "0003_create_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
