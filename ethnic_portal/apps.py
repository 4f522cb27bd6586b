from django.apps import AppConfig


class EthnicPortalConfig(AppConfig):
    """Project-wide pieces: health checks, formatting filters, the load_* commands, the data version."""

    name = "ethnic_portal"
    verbose_name = "Cổng thông tin"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import versions

        # Every connection watches its writes to program data (the page cache's version).
        connection_created.connect(versions.install, dispatch_uid="ethnic_portal.versions.install")
