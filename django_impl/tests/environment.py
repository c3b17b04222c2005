"""A pytest plugin (`-p tests.environment` in pytest.ini) that sets the test environment.

pytest-django loads config.settings before any conftest.py, and the settings refuse to load without
SECRET_KEY when DEBUG is off (as it is in tests); a plugin module runs early enough.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "unit-tests-only")
# WhiteNoise warns about a STATIC_ROOT that does not exist; the tests need no collected files.
os.environ.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="django-static-"))
