import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from investigation.models import Role
from stories import demo


class Command(BaseCommand):
    help = (
        "Load the demo investigation (kirkuk-raids), a second desk (demo-other-desk) and their "
        "demo logins. Runs again safely: it only adds a desk that is missing, never changes rows."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. The demo logins share one printed password: "
            "never use this on a production database.",
        )

    def handle(self, *args, force=False, **options):
        if not (settings.DEBUG or force):
            raise CommandError(
                "seed_demo creates staff logins with a shared, printed password, so it runs "
                "only with DEBUG on. Use --force to run it anyway (never in production)."
            )
        password = demo.demo_password(var_dir=settings.VAR_DIR, create=not demo.demo_is_loaded())
        created = demo.demo_seed(password=password, now=timezone.now())
        for desk in demo.DESKS:
            state = "created" if desk in created else "already there, left unchanged"
            self.stdout.write(f"{desk['title']} ({desk['slug']}): {state}.")
        self.stdout.write(
            f"{demo.OTHER_SLUG} is another desk whose only member is outsider: the "
            f"{demo.MAIN_SLUG} people cannot see it, nor outsider theirs (compartments)."
        )
        self._write_logins(password)

    def _write_logins(self, password):
        port = os.environ.get("PORT", "8000")
        self.stdout.write(f"\nLog in at http://127.0.0.1:{port}/admin/ as:")
        users = get_user_model().objects.in_bulk(
            [name for name, _, _ in demo.demo_logins()], field_name="username"
        )
        for username, role, slug in demo.demo_logins():
            user = users.get(username)
            if user is None:
                continue
            # hashers.check_password, unlike user.check_password, never re-saves the hash.
            known = password and check_password(password, user.password)
            shown = password if known else "(its own password, set before the demo)"
            self.stdout.write(f"  {username:<9} / {shown}   {Role(role).label} in {slug}")
        self.stdout.write(self._password_origin(password))

    def _password_origin(self, password):
        if os.environ.get("DEMO_PASSWORD"):
            return "The password comes from DEMO_PASSWORD."
        if password:
            return f"The password is kept in {settings.VAR_DIR / demo.PASSWORD_FILE} (mode 600)."
        return f"No demo password known: {demo.PASSWORD_FILE} is gone and DEMO_PASSWORD is unset."
