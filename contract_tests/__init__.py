"""The HTTP contract suite: one set of tests, run against both live twins."""

import pytest

# pytest rewrites the asserts of test modules and conftest.py only; the suite's shared assertions
# live in helpers.py, whose failures would otherwise read as a bare AssertionError.
pytest.register_assert_rewrite("contract_tests.helpers")
