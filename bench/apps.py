from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmarks (`make bench`), the load generator and their results: tools, no models."""

    name = "bench"
    verbose_name = "Benchmarks"
