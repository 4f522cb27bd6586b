from django.apps import AppConfig


class EthnicPortalConfig(AppConfig):
    """Project-wide pieces: health checks, formatting filters, the load_* commands."""

    name = "ethnic_portal"
    verbose_name = "Cổng thông tin"
