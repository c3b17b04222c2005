"""A pytest plugin (`-p tests.environment` in pytest.ini) that sets the test environment.

pytest-django loads config.settings before any conftest.py, and the settings refuse to load without
SECRET_KEY when DEBUG is off (as it is in tests); a plugin module runs early enough.
"""

import os

os.environ.setdefault("SECRET_KEY", "unit-tests-only")
