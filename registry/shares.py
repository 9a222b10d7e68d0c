"""Shares of a project's amount among its countries or sectors: one rule for every face.

Shares are basis points (10,000 = 100%). Given percentages are used as they are;
without them the shares are even, the remainder going to the first entries.

Amounts are split in whole cents by the largest remainder: each share gets its exact
part rounded down, and the cents left over go one each to the shares with the largest
remainders, the earlier entry first on a tie. So the shares of one project add up to
its amount exactly, and a share of 0% never gets a cent. Exploded exports, summaries
and the country pages all split by this rule (summaries and country pages in SQL, by
`services.summaries.allocated_cents`, which computes the same thing).
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


def allocate(cents: int, basis_points: list[int]) -> list[int]:
    """Split `cents` (a whole, non-negative number) by shares in basis points summing to
    WHOLE: largest remainder, ties to the earlier share. The parts add up to `cents`.

    Raises ValueError when the shares do not make a whole or the amount is negative."""
    if not basis_points:
        return []
    if sum(basis_points) != WHOLE or min(basis_points) < 0 or cents < 0:
        raise ValueError(f"cannot split {cents} by {basis_points}")
    # cents = quotient * WHOLE + remainder keeps every product small (as the SQL must).
    quotient, remainder = divmod(int(cents), WHOLE)
    parts, rests = [], []
    for bp in basis_points:
        floor, rest = divmod(remainder * bp, WHOLE)
        parts.append(quotient * bp + floor)
        rests.append(rest)
    leftover = int(cents) - sum(parts)
    for position in sorted(range(len(parts)), key=lambda i: (-rests[i], i))[:leftover]:
        parts[position] += 1
    return parts


def split_amount(amount: Decimal, entries: list[dict]) -> list[tuple[str, Decimal, Decimal]]:
    """(code, percentage, amount) of each entry: `amount` split in cents by `allocate`."""
    basis_points = shares_bp(entries)
    cents = allocate(int(Decimal(amount) * 100), basis_points)
    return [
        (e["code"], Decimal(bp) / 100, Decimal(c).scaleb(-2))
        for e, bp, c in zip(entries, basis_points, cents, strict=True)
    ]
