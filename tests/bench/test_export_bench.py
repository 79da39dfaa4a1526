"""The publication export benchmark's data: its events written by COPY take every column a
new event needs, so `make bench` keeps working as the events table grows."""

import pytest

from bench.export import bench_data_create
from events.models import Event, EventActor

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]  # COPY is PostgreSQL's


def test_the_benchmarks_events_are_written_whole_and_publishable():
    investigation, admin = bench_data_create(30)

    events = Event.objects.filter(investigation=investigation)
    assert events.count() == 30
    assert set(events.values_list("origin", flat=True)) == {Event.Origin.ACLED}
    assert not events.filter(publishable=False).exists()
    assert EventActor.objects.filter(event__investigation=investigation).count() == 60
    assert investigation.sources.count() == 1000  # the leak scan's protected identities
