from django.db import migrations
from django.db.models import OuterRef, Subquery


def fill_investigation(apps, schema_editor):
    """Every log row so far is about a source: it belongs to that source's investigation."""
    IdentityAccess = apps.get_model("sources", "IdentityAccess")
    Source = apps.get_model("sources", "Source")
    of_source = Source.objects.filter(pk=OuterRef("source_id")).values("investigation_id")
    IdentityAccess.objects.filter(investigation=None).update(investigation=Subquery(of_source))


class Migration(migrations.Migration):
    dependencies = [("sources", "0007_access_log_for_notes_and_hand_overs")]

    operations = [migrations.RunPython(fill_investigation, migrations.RunPython.noop)]
