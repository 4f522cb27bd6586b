from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Quản trị danh mục – Cổng Chương trình MTQG DTTS&MN")
admin.site.site_title = _("Quản trị danh mục")

handler404 = "ethnic_portal.views.page_not_found"
handler500 = "ethnic_portal.views.server_error"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("accounts/", include("accounts.urls")),
    path("units/", include("geography.urls")),
    path("programs/", include("programs.urls")),
    path("ledger/", include("disbursement.urls")),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("reports/", include("reports.urls")),
    path("exports/", include("ethnic_portal.export_urls")),
    path("system/", views.SystemStatusView.as_view(), name="system_status"),
    path("health/", views.health_view, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("ethnic_portal.api_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
