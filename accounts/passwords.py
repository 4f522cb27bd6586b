"""Password rules beyond Django's own validators (see AUTH_PASSWORD_VALIDATORS)."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CLASSES = (
    ("lower", str.islower),
    ("upper", str.isupper),
    ("digit", str.isdigit),
    ("symbol", lambda char: not char.isalnum()),
)


class CharacterClassValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, other characters
    (Vietnamese letters with diacritics count as letters)."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = {name for name, test in CLASSES if any(test(char) for char in password)}
        if len(found) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return _("Mật khẩu phải có ít nhất %(count)s trong 4 loại ký tự: chữ thường, chữ hoa, chữ số, ký hiệu.") % {
            "count": self.min_classes
        }

    def get_help_text(self):
        return self.message()


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's, with its message in the portal's catalogue (Django 5.2 changed the message, and its Vietnamese
    translation has not followed: officers would read English)."""

    def get_error_message(self):
        return _("Mật khẩu quá ngắn: cần ít nhất %(count)s ký tự.") % {"count": self.min_length}

    def get_help_text(self):
        return _("Mật khẩu cần ít nhất %(count)s ký tự.") % {"count": self.min_length}
