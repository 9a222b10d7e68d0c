"""A vendor of concern that an admin adds on top of the lists in seed/screening/."""

from __future__ import annotations

from schemas.base import StrictSchema
from schemas.fields import Choices, CountryCode, List, Text, fail


class Aliases(List):
    """Other names a vendor trades under, each 3 to 300 characters (blank entries dropped)."""

    def __init__(self, **kw):
        super().__init__(Text(), max_items=50, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            value = [
                a.strip() if isinstance(a, str) else a  # not a string: Text says so
                for a in value
                if not isinstance(a, str) or a.strip()
            ]
        aliases = super()._deserialize(value, attr, data, **kwargs)
        if any(not 3 <= len(a) <= 300 for a in aliases):
            fail("Each alias must be between 3 and 300 characters long.", "invalid_length")
        return aliases


class VendorEntrySchema(StrictSchema):
    name = Text(required=True, min_length=3, max_length=300, strip=True)
    aliases = Aliases(load_default=list)
    country = CountryCode(allow_none=True, load_default=None)
    categories = Choices("vendor_categories", required=True)
    source = Text(required=True, min_length=1, max_length=500, strip=True)
