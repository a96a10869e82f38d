"""Headroom: how far a metric is from flipping, as an exact amount and an English sentence.

Every rate or mean is modelled as (S + k*c) / (D + k): k more events, each adding c to the numerator and one to the
denominator. A ratio's "hit" adds 1 (a reply within 12 hours, a partner cancellation), its "miss" adds 0; a mean's
best event adds the scale's top rating, its worst the bottom one. Against a threshold p/q this is a linear
inequality in k, solved with integers only (no float can flip a boundary):

    q*(S + k*c)  op  p*(D + k)      with S = sn/sd, c = cn/cd
    k * a  op  b      where a = sd*(q*cn - p*cd) and b = cd*(p*D*sd - q*sn)

A failing metric reports how many of the *good* event are `needed`; a passing one how many of the *bad* event are
`allowed` before it fails (the next one fails it). The structured fields (`headroom_amount`, `headroom_unit`,
`headroom_kind`) let emails say the same in the partner's language.
"""

from __future__ import annotations

from fractions import Fraction

# headroom_kind values
NEEDED = "needed"  # amount more of `unit` needed to pass
ALLOWED = "allowed"  # amount more of `unit` can happen and it still passes (amount + 1 fails it)
MARGIN = "margin"  # passes by amount (of `unit`); nothing in the period can make it fail
UNTIL_APPLICABLE = "until_applicable"  # amount more of `unit` before the metric counts at all
CHANGE = "change"  # needs a change of state (a flag cleared, a category reached, data reported)
NONE = "none"  # nothing to say: cannot fail, or cannot pass any more this period


def min_events(a: int, b: int, strict: bool) -> int | None:
    """Smallest k >= 0 with a*k >= b (a*k > b when strict); None when no k works."""
    if (b < 0) if strict else (b <= 0):
        return 0
    if a <= 0:
        return None
    return b // a + 1 if strict else -(-b // a)


def max_events(a: int, b: int, strict: bool) -> int | None:
    """Largest k >= 0 with a*k >= b (a*k > b when strict), given k = 0 satisfies it; None when unlimited."""
    if a >= 0:
        return None
    if strict:
        return -(b // -a) - 1  # ceil((-b)/(-a)) - 1
    return (-b) // (-a)


def rate_events(op: str, sn: int, sd: int, count: int, p: int, q: int, c: tuple[int, int], passing: bool) -> int | None:
    """For a rate S/count (S = sn/sd) against p/q: if failing, how many events of contribution c make it pass;
    if passing, how many events of contribution c it can absorb and still pass. None: impossible / unlimited."""
    cn, cd = c
    a = sd * (q * cn - p * cd)
    b = cd * (p * count * sd - q * sn)
    if op in ("<=", "<"):
        a, b = -a, -b  # k*a <= b  <=>  k*(-a) >= -b
    strict = op in (">", "<")
    return max_events(a, b, strict) if passing else min_events(a, b, strict)


def plural(amount: int | float, one: str, other: str) -> str:
    return one if amount == 1 else other


def display(amount: Fraction | int) -> int | float:
    """An exact amount as a JSON number: int when whole, else float."""
    if isinstance(amount, int):
        return amount
    return amount.numerator if amount.denominator == 1 else float(amount)
