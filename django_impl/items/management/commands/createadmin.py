"""`manage.py createadmin`: create the admin user or update its password, never prompting."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Create the admin user ADMIN_USERNAME with ADMIN_PASSWORD, or update its password.

    Django's createsuperuser --noinput reads DJANGO_SUPERUSER_PASSWORD, but refuses a username
    that exists, so it cannot reset a password; this command does both (Flask: flask create-admin).
    """

    help = "Create the admin user ADMIN_USERNAME (default admin), or set its ADMIN_PASSWORD."

    def handle(self, *args, **options):
        """Create the superuser, or make the existing user an admin with the new password."""
        username = os.environ.get("ADMIN_USERNAME") or "admin"
        password = os.environ.get("ADMIN_PASSWORD")
        if not password:
            # One line, no traceback (SystemExit), as the settings do for SECRET_KEY.
            raise SystemExit("ADMIN_PASSWORD is not set: export the admin's password first.")
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            User.objects.create_superuser(username, password=password)
            self.stdout.write(f"Created admin user {username}.")
            return
        user.set_password(password)
        # Django's admin lets in users who are active and staff; superuser grants every permission.
        user.is_active = user.is_staff = user.is_superuser = True
        user.save()
        self.stdout.write(f"Updated the password of admin user {username}.")
