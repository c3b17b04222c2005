"""Each field a client may write, as openapi.yaml's ItemInput lists them: a PATCH keeps the others.

The fields and their values come from the document, so a field added to it is tested here too.
"""

import re

import pytest

from contract_tests.helpers import writable_fields
from twin_servers.client import ITEM_PATH

FIELDS = writable_fields()
# Each field, and the next one in the document's order: the field a PATCH changes instead.
NEIGHBOURS = [(field, list(FIELDS)[(n + 1) % len(FIELDS)]) for n, field in enumerate(FIELDS)]


def example(field: str, text: str):
    """A valid value of the field's schema that is not its default (0, "" or false in the contract).

    An integer: its minimum plus 7 (within its maximum). A string: `text`, cut to its maxLength.
    """
    schema = FIELDS[field]
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][-1]
    if kind == "integer":
        low = schema.get("minimum", 0)
        return min(low + 7, schema.get("maximum", low + 7))
    if kind == "boolean":
        return True
    if kind == "string":
        value = text[: schema.get("maxLength")]
        pattern = schema.get("pattern", "")
        assert re.search(pattern, value), f"{field}: {value!r} does not match {pattern!r}"
        return value
    pytest.fail(f"{field}: no example for a schema of type {kind!r}; add one to example()")


@pytest.mark.parametrize(("field", "other"), NEIGHBOURS, ids=list(FIELDS))
def test_a_patch_of_another_field_keeps_the_field_as_it_was(api, unique_name, field, other):
    value = example(field, f"{unique_name}-{field}")
    item = api.create(**{"name": unique_name, field: value})
    assert item[field] == value, f"created with {field} {value!r}, the item has {item[field]!r}"
    change = {other: example(other, f"{unique_name}-{other}-patched")}
    response = api.request("PATCH", ITEM_PATH.format(id=item["id"]), payload=change)
    assert response.status_code == 200, response.text[:500]
    patched = response.json()
    assert patched[other] == change[other], f"PATCH {change}: {other} is {patched[other]!r}"
    kept = {"PATCH's answer": patched[field], "read back": api.item(item["id"])[field]}
    assert kept == dict.fromkeys(kept, value), f"PATCH {change} changed {field} {value!r}: {kept}"
