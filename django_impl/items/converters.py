"""The `item_id` path converter: ids the database can hold, written without leading zeros."""

ITEM_ID_MAX = 2**63 - 1


class ItemIdConverter:
    """Match 1 to 2**63-1 in canonical form; anything else does not match the route (404)."""

    regex = "[1-9][0-9]{0,18}"

    def to_python(self, value):
        """The id as an int; ValueError (no match) when it exceeds a 64-bit signed integer."""
        item_id = int(value)
        if item_id > ITEM_ID_MAX:
            raise ValueError(f"{value} is larger than {ITEM_ID_MAX}")
        return item_id

    def to_url(self, value):
        """The id as written in a path."""
        return str(value)
