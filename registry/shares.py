"""Shares of a project's amount among its countries or sectors: one rule for every face.

Shares are basis points (10,000 = 100%). Given percentages are used as they are;
without them the shares are even, the remainder going to the first entries.
"""

from __future__ import annotations

from decimal import Decimal

WHOLE = 10_000


def shares_bp(entries: list[dict]) -> list[int]:
    """Each entry's share in basis points (percentages may be Decimals or decimal text)."""
    if entries and all(e.get("percentage") is not None for e in entries):
        return [int(Decimal(str(e["percentage"])) * 100) for e in entries]
    base, rest = divmod(WHOLE, len(entries))
    return [base + (1 if i < rest else 0) for i in range(len(entries))]


def share_of(cents: int, *basis_points: int) -> Decimal:
    """Integer cents times one or more shares, exactly, in currency units (not rounded)."""
    amount = Decimal(int(cents)) / 100
    for bp in basis_points:
        amount = amount * bp / WHOLE
    return amount


def share_percentages(entries: list[dict]) -> list[tuple[str, Decimal]]:
    """(code, percentage) of each entry, by the same rule (for exports and their tests)."""
    return [
        (e["code"], Decimal(bp) / 100) for e, bp in zip(entries, shares_bp(entries), strict=True)
    ]
