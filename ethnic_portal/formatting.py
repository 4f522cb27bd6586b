"""Numbers the Vietnamese way: `1.234.567`, `2,7%`, `478 tỷ đồng`.

Money is an integer number of đồng everywhere; rates are Decimals computed from integer
sums. This module is the only place that turns them into text.
"""

from decimal import ROUND_HALF_UP, Decimal

THOUSANDS = "."
DECIMAL_MARK = ","
ONE_DECIMAL = Decimal("0.1")
TY = 1_000_000_000
TRIEU = 1_000_000
MAX_AMOUNT = 10**15  # the most đồng one record holds: far above any allocation or support, below 2**53 for JSON


def format_number(value: int | Decimal | None, decimals: int = 0) -> str:
    """`1234567` → `1.234.567`; `Decimal("2.75")`, 1 decimal → `2,8` (half-up)."""
    if value is None:
        return ""
    number = Decimal(value)
    if decimals:
        number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    else:
        number = number.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _dot, fraction = f"{abs(number):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = THOUSANDS.join(groups)
    return f"{sign}{text}{DECIMAL_MARK}{fraction}" if fraction else f"{sign}{text}"


def format_vnd(amount: int | None) -> str:
    """Whole đồng with dots: `1.234.567`."""
    return format_number(amount)


def compute_rate(part: int, whole: int) -> Decimal:
    """`part / whole × 100`, half-up to one decimal; 0 when nothing is allocated (the contract)."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def format_rate(rate: Decimal | int | float | None) -> str:
    """`Decimal("2.7")` → `2,7%`."""
    if rate is None:
        return ""
    return f"{format_number(Decimal(str(rate)), 1)}%"


def format_ty(amount: int | None, decimals: int = 0) -> str:
    """Đồng as tỷ đồng: `478_000_000_000` → `478 tỷ đồng`; with decimals, `343,769 tỷ đồng`."""
    if amount is None:
        return ""
    value = Decimal(amount) / TY
    return f"{format_number(value, decimals)} tỷ đồng"


def format_trieu(amount: int | None, decimals: int = 0) -> str:
    """Đồng as triệu đồng, the unit of the report tables."""
    if amount is None:
        return ""
    return format_number(Decimal(amount) / TRIEU, decimals)
