from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Places, actors and events"

    def ready(self):
        from events.search import searchables_register

        searchables_register()
