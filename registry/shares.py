"""Shares of a project's amount among its countries or sectors: one rule for every face.

Shares are basis points (10,000 = 100%). Given percentages are used as they are;
without them the shares are even, the remainder going to the first entries.

Amounts are split in whole units of their currency's minor unit (cents for USD, whole
yen for JPY and won for KRW: `step_cents`) by the largest remainder: each share gets its
exact part rounded down, and the units left over go one each to the shares with the
largest remainders, the earlier entry first on a tie. So the shares of one project add up to
its amount exactly, and a share of 0% never gets a cent. Exploded exports, summaries
and the country pages all split by this rule (summaries and country pages in SQL, by
`services.summaries.allocated_cents`, which computes the same thing).
"""

from __future__ import annotations

from decimal import Decimal

from registry import reference

WHOLE = 10_000
# Amounts are stored in cents (two decimals; a third is refused for the currencies that
# have one), so a currency with a minor unit of 2 or more is split in cents.
STORED_DECIMALS = 2


def step_cents(currency: str | None) -> int:
    """The currency's smallest amount, in cents: 100 for JPY (no minor unit), 1 for USD.

    A currency ISO gives no minor unit (or an unknown code) is split in cents."""
    unit = reference.minor_unit(currency or "")
    return 10 ** (STORED_DECIMALS - unit) if unit is not None and unit < STORED_DECIMALS else 1


def whole_unit_currencies() -> dict[str, int]:
    """Every currency whose smallest amount is more than a cent, with that step in cents."""
    steps = {code: step_cents(code) for code in reference.currency_minor_units()}
    return {code: step for code, step in steps.items() if step > 1}


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


def split_amount(
    amount: Decimal, entries: list[dict], currency: str | None = None
) -> list[tuple[str, Decimal, Decimal]]:
    """(code, percentage, amount) of each entry: `amount` split by `allocate` in the
    currency's smallest units (`step_cents`), so no share of a JPY amount has sen."""
    basis_points = shares_bp(entries)
    step = step_cents(currency)
    units = allocate(int(Decimal(amount) * 100) // step, basis_points)
    return [
        (e["code"], Decimal(bp) / 100, Decimal(u * step).scaleb(-2))
        for e, bp, u in zip(entries, basis_points, units, strict=True)
    ]
