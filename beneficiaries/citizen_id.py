"""The 12-digit personal identification number (số định danh cá nhân, printed on the citizen ID card, CCCD).

Its structure (Nghị định 137/2015/NĐ-CP, Thông tư 07/2016/TT-BCA, replaced by Thông tư 59/2021/TT-BCA):

* digits 1–3: code of the province where the birth was registered, 001–096;
* digit 4: century of birth and gender: 0/1 = 1900–1999 male/female, 2/3 = 2000–2099, 4/5 = 2100–2199,
  6/7 = 2200–2299, 8/9 = 2300–2399 (the code cycles; there is no code for the 1800s);
* digits 5–6: the last two digits of the year of birth;
* digits 7–12: a random number.

The portal checks what can be checked without the national database, and keeps it simple: exactly 12
digits; a province code from 001 to 096; and a year of birth, from digits 4–6, that is not in the future
and not more than 120 years ago (so codes 4–9, the 22nd century on, are refused today). It cannot tell a
real number from a well-formed invented one.
"""

import datetime

from django.utils.translation import gettext as _

MAX_AGE = 120


def birth_year_of(number: str) -> int:
    return 1900 + 100 * (int(number[3]) // 2) + int(number[4:6])


def citizen_id_errors(value, *, today: datetime.date) -> list[str]:
    """What is wrong with `value` as a citizen ID number, in Vietnamese; [] when it is well formed."""
    text = "" if value is None else str(value).strip()
    if not text:
        return [_("Phải nhập số định danh cá nhân (số CCCD, 12 chữ số).")]
    if not text.isdigit() or not text.isascii():
        return [_("Số định danh cá nhân chỉ gồm chữ số (đang là “%(value)s”).") % {"value": text}]
    if len(text) != 12:
        return [_("Số định danh cá nhân phải gồm đúng 12 chữ số (đang có %(n)s).") % {"n": len(text)}]
    province = int(text[:3])
    if not 1 <= province <= 96:
        return [
            _("Ba chữ số đầu là mã tỉnh nơi đăng ký khai sinh, từ 001 đến 096 (đang là %(code)s).") % {"code": text[:3]}
        ]
    year = birth_year_of(text)
    if not today.year - MAX_AGE <= year <= today.year:
        return [
            _(
                "Chữ số thứ 4 đến thứ 6 (mã thế kỷ, giới tính và năm sinh: %(digits)s) cho năm sinh %(year)s, "
                "không hợp lý."
            )
            % {"digits": text[3:6], "year": year}
        ]
    return []
