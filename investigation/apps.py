from importlib import import_module

from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.utils.module_loading import module_has_submodule


class InvestigationConfig(AppConfig):
    default = True
    name = "investigation"
    verbose_name = "Investigations"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from investigation import checks  # noqa: F401  (registers the system checks)
        from investigation.middleware import stamp_login_time
        from investigation.search import follow_ups_register

        follow_ups_register()  # what each app makes searchable, as it registers its admin

        user_logged_in.connect(stamp_login_time, dispatch_uid="investigation.stamp_login_time")


class FieldbookAdminConfig(SimpleAdminConfig):
    """The admin, autodiscovering every app's admin module except django-leaflet's.

    leaflet/admin.py imports django.contrib.gis, which needs the GDAL C library. Fieldbook
    stores points as latitude/longitude columns and does not install GDAL; it keeps "leaflet"
    for its assets, settings and template tags only.
    """

    skipped_admin_modules = {"leaflet"}

    def ready(self):
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.label in self.skipped_admin_modules:
                continue
            if module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
