"""`manage.py createadmin`: create the admin user or update its password, never prompting."""

import os

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Create the admin user ADMIN_USERNAME with ADMIN_PASSWORD, or update its password."""

    help = (
        "Create the admin user ADMIN_USERNAME (default admin) with ADMIN_PASSWORD, "
        "or update its password. Never prompts."
    )

    def handle(self, *args, **options):
        """Create the user through createsuperuser, or set the password of the existing one."""
        username = os.environ.get("ADMIN_USERNAME") or "admin"
        password = os.environ.get("ADMIN_PASSWORD")
        if not password:
            # One line, no traceback (SystemExit), as the settings do for SECRET_KEY.
            raise SystemExit("ADMIN_PASSWORD is not set: export the admin's password first.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            # Django's own createsuperuser makes the user; --noinput reads the password from
            # DJANGO_SUPERUSER_PASSWORD. It cannot update an existing user (it refuses a taken
            # username), hence this wrapper, which sets the password itself in that case.
            os.environ["DJANGO_SUPERUSER_PASSWORD"] = password
            try:
                call_command(
                    "createsuperuser", "--noinput", username=username, email="", verbosity=0
                )
            finally:
                del os.environ["DJANGO_SUPERUSER_PASSWORD"]
            self.stdout.write(f"Created admin user {username}.")
            return
        user.set_password(password)
        # Django's admin lets in users who are active and staff; superuser grants every permission.
        user.is_active = user.is_staff = user.is_superuser = True
        user.save()
        self.stdout.write(f"Updated the password of admin user {username}.")
