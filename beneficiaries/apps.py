from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BeneficiariesConfig(AppConfig):
    name = "beneficiaries"
    verbose_name = _("Đối tượng thụ hưởng")

    def ready(self):
        from . import cases  # noqa: F401  (the once-only rules and the norms refresh the cases they change)
