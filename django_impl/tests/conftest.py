"""Fixtures shared by the Django twin's unit tests."""

import pytest


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """An empty folder: WhiteNoise warns about a STATIC_ROOT that does not exist."""
    return tmp_path_factory.mktemp("static")


@pytest.fixture(autouse=True)
def test_settings(settings, static_root):
    """Settings for speed and for a checkout where collectstatic has not run."""
    # Hashing with the production hasher (PBKDF2) costs a noticeable fraction of a second per
    # password; the tests check who may log in, not the hash's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # With DEBUG off, {% static %} reads the manifest that collectstatic writes (before serve.sh);
    # the plain storage lets the tests render the admin's templates without it.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    # The tests need no collected files, only a folder for WhiteNoise to find.
    settings.STATIC_ROOT = static_root
