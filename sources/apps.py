from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and interviews"

    def ready(self):
        from sources import checks  # noqa: F401  (registers the system checks)
        from sources.search import searchables_register

        searchables_register()
