from django.db import models
from django.utils.translation import gettext_lazy as _


class EthnicGroup(models.Model):
    """One of the 54 ethnic groups, with its GSO code (Quyết định 121-TCTK/PPCĐ)."""

    code = models.CharField(_("mã"), max_length=2, unique=True)
    name = models.CharField(_("tên dân tộc"), max_length=60)
    common_spelling = models.CharField(_("cách viết thông dụng"), max_length=60, blank=True)
    other_names = models.CharField(_("tên gọi khác"), max_length=255, blank=True)
    is_minority = models.BooleanField(_("dân tộc thiểu số"), default=True)

    class Meta:
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")
        ordering = ["code"]

    def __str__(self):
        return self.name
