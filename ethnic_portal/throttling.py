"""API throttling: an anonymous caller by address, a signed-in user by account, and the token endpoint
(`throttle_scope = "auth_token"`) by address at a stricter rate. The rates are settings
(`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`, from the environment); a refused request answers 429 with a
Vietnamese message and `Retry-After` (ethnic_portal.api.exception_handler).

DRF copies the rates into a class attribute once, when rest_framework.throttling is imported; these classes read
them on each request instead, so that a change of settings (override_settings in a test) applies.
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class _RatesFromSettings:
    @property
    def THROTTLE_RATES(self):  # DRF's name
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    """Requests without credentials, by client address: `anon`."""


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    """Requests of a signed-in user (token or session), by account: `user`."""


class ScopedRateThrottle(_RatesFromSettings, throttling.ScopedRateThrottle):
    """Views that name a `throttle_scope` (the token endpoint: `auth_token`); the others pass."""
