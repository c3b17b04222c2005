"""The item_id path converter: ids the database can hold, written one way only."""

from werkzeug.routing import BaseConverter, ValidationError

ITEM_ID_MAX = 2**63 - 1


class ItemIdConverter(BaseConverter):
    """Match 1 to 2**63 - 1 without leading zeros; anything else is a 404 before the view runs."""

    regex = r"[1-9][0-9]{0,18}"

    def to_python(self, value):
        """Return the id as an int, or refuse ids too big for a 64-bit column."""
        item_id = int(value)
        if item_id > ITEM_ID_MAX:
            # Django: a converter raises ValueError; Werkzeug's routing asks for ValidationError.
            raise ValidationError()
        return item_id
