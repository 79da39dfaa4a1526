from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import connection


@shared_task
def healthcheck(token: str) -> str:
    """A round trip for ops monitoring and the test harness: proves a worker takes tasks,
    reaches the database and returns results ("pong:<token>:<database vendor>:<user count>")."""
    users = get_user_model().objects.count()
    return f"pong:{token}:{connection.vendor}:{users}"
