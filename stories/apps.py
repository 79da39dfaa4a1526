from django.apps import AppConfig


class StoriesConfig(AppConfig):
    """The top of the house: what the story asserts and what leaves Fieldbook (the publication
    export, its leak scan and writers), built on investigations, events and sources."""

    name = "stories"
    verbose_name = "Stories"

    def ready(self):
        from stories.search import searchables_register

        searchables_register()
