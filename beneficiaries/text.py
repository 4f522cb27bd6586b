"""Names as people write them: Unicode NFC, trimmed, single spaces; and the key used to find the same name twice.

Vietnamese letters can be typed precomposed (NFC, "ộ" is one code point) or decomposed (NFD, "o" + two
combining marks, as some Mac and old Windows input methods do). Both look the same; stored as typed they
would not compare equal. Everything the portal stores is NFC; nothing else about a name is changed.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def clean_text(value) -> str:
    """NFC, stripped, runs of whitespace as one space. `None` → ""."""
    if value is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def name_key(value) -> str:
    """The key under which two spellings of one name meet: NFC and case-folded ("NÔNG Văn  Dũng" = "Nông văn dũng")."""
    return clean_text(value).casefold()
