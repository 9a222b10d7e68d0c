"""The split of an amount among its shares (registry/shares.py): whole cents by the
largest remainder, ties to the earlier share, adding up exactly."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.shares import (
    WHOLE,
    allocate,
    shares_bp,
    split_amount,
    step_cents,
    whole_unit_currencies,
)

MAX_CENTS = 99_999_999_999_999_999  # schemas.project.MAX_AMOUNT in cents


@st.composite
def basis_points(draw) -> list[int]:
    """1 to 6 shares (some may be 0) adding up to WHOLE."""
    cuts = sorted(draw(st.lists(st.integers(0, WHOLE), max_size=5)))
    bounds = [0, *cuts, WHOLE]
    return [b - a for a, b in pairwise(bounds)]


def reference_split(cents: int, bps: list[int]) -> list[int]:
    """The rule as stated, in exact fractions: floors, then one cent each to the largest
    remainders, the earlier share first on a tie."""
    quotas = [Fraction(cents * bp, WHOLE) for bp in bps]
    parts = [q.numerator // q.denominator for q in quotas]
    order = sorted(range(len(bps)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[: cents - sum(parts)]:
        parts[i] += 1
    return parts


@given(st.integers(0, MAX_CENTS), basis_points())
def test_parts_add_up_and_follow_the_largest_remainder(cents, bps):
    parts = allocate(cents, bps)
    assert sum(parts) == cents
    assert parts == reference_split(cents, bps)
    for part, bp in zip(parts, bps, strict=True):
        exact = Fraction(cents * bp, WHOLE)
        assert exact - 1 < part < exact + 1
        if bp == 0:
            assert part == 0


def test_the_issue_example_adds_up():
    # 1,234,567.89 in two halves was 617,283.94 twice (1,234,567.88).
    assert allocate(123_456_789, [5_000, 5_000]) == [61_728_395, 61_728_394]
    split = split_amount(Decimal("1234567.89"), [{"code": "VN"}, {"code": "JP"}])
    assert split == [
        ("VN", Decimal(50), Decimal("617283.95")),
        ("JP", Decimal(50), Decimal("617283.94")),
    ]
    assert sum(amount for _code, _pct, amount in split) == Decimal("1234567.89")


def test_ties_go_to_the_earlier_share_and_remainders_decide_otherwise():
    assert allocate(1, [5_000, 5_000]) == [1, 0]
    assert allocate(2, [3_334, 3_333, 3_333]) == [1, 1, 0]
    # 33.33 + 33.33 + 33.34: the last has the largest remainder, not the first place.
    assert allocate(100, [3_333, 3_333, 3_334]) == [33, 33, 34]
    assert allocate(5, [0, 10_000]) == [0, 5]
    assert allocate(0, [2_500, 7_500]) == [0, 0]


def test_amounts_keep_two_places_and_even_shares_are_whole():
    assert shares_bp([{"code": c} for c in "ABC"]) == [3_334, 3_333, 3_333]
    split = split_amount(Decimal("0.01"), [{"code": c} for c in "ABC"])
    assert [str(amount) for _code, _pct, amount in split] == ["0.01", "0.00", "0.00"]


def test_shares_that_do_not_make_a_whole_are_refused():
    assert allocate(100, []) == []
    for cents, bps in ((100, [5_000, 4_999]), (100, [10_001, -1]), (-1, [10_000])):
        with pytest.raises(ValueError):
            allocate(cents, bps)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        # No minor unit: whole yen and won, never 500.50 each.
        ("1001", "JPY", ["501.00", "500.00"]),
        ("3", "KRW", ["2.00", "1.00"]),
        ("1001.01", "USD", ["500.51", "500.50"]),
        # Three decimals (KWD): stored with two, so split in the cents held.
        ("0.03", "KWD", ["0.02", "0.01"]),
    ],
)
def test_shares_are_split_in_the_currency_minor_unit(amount, currency, expected):
    split = split_amount(Decimal(amount), [{"code": "VN"}, {"code": "JP"}], currency)
    assert [str(share) for _code, _pct, share in split] == expected
    assert sum(share for _code, _pct, share in split) == Decimal(amount)


def test_every_currency_without_a_minor_unit_is_split_in_whole_units():
    steps = whole_unit_currencies()
    assert {"JPY", "KRW", "VND", "CLP", "ISK"} <= set(steps)
    assert set(steps.values()) == {100}
    assert step_cents("USD") == step_cents("KWD") == step_cents("XXX-unknown") == 1


@given(st.integers(0, 10**15), basis_points())
def test_yen_shares_are_whole_and_add_up(yen, bps):
    entries = [{"code": f"C{i}", "percentage": Decimal(bp) / 100} for i, bp in enumerate(bps)]
    split = split_amount(Decimal(yen), entries, "JPY")
    assert all(share % 1 == 0 for _code, _pct, share in split)
    assert sum(share for _code, _pct, share in split) == yen
