"""A vendor of concern that an admin adds on top of the lists in seed/screening/, the
reason given for an edit or retirement, and the normalised name that finds duplicates."""

from __future__ import annotations

import re

from registry.rules.names import Normaliser
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


class VendorEditSchema(VendorEntrySchema):
    """An edit: the whole entry again, and why (kept in the vendor's history)."""

    reason = Text(required=True, min_length=1, max_length=1000, strip=True)


class VendorRetireSchema(StrictSchema):
    reason = Text(required=True, min_length=1, max_length=1000, strip=True)


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def name_key(name: str, normaliser: Normaliser) -> str:
    """A company name as screening compares it: case, width (NFKC), accents, punctuation,
    spacing and legal forms ("Co., Ltd.", "Inc.", "株式会社") set aside.

    "HUAWEI TECHNOLOGIES CO., LTD", "Ｈｕａｗｅｉ" and "huawei" give the same key. Legal forms
    written without a space in Chinese and Japanese ("華為技術有限公司") are stripped as text.
    """
    key = " ".join(normaliser.words(name))
    if _CJK.search(key):
        key = key.replace(" ", "")
        cjk_forms = sorted(
            ("".join(form) for form in normaliser.suffixes if _CJK.search("".join(form))),
            key=len,
            reverse=True,
        )
        changed = True
        while changed:
            changed = False
            for form in cjk_forms:
                if len(key) > len(form) and (key.endswith(form) or key.startswith(form)):
                    key = key[: -len(form)] if key.endswith(form) else key[len(form) :]
                    changed = True
    return key
