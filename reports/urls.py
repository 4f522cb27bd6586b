from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportListView.as_view(), name="list"),
    path("new/", views.ReportRequestView.as_view(), name="request"),
    path("overdue/", views.OverdueListView.as_view(), name="overdue"),
    path("settings/", views.ReportSettingView.as_view(), name="settings"),
    path("<int:pk>/", views.ReportDetailView.as_view(), name="detail"),
    path("<int:pk>/row/", views.ReportRowView.as_view(), name="row"),
    path("<int:pk>/download/", views.ReportDownloadView.as_view(), name="download"),
    path("<int:pk>/regenerate/", views.ReportRegenerateView.as_view(), name="regenerate"),
    path("<int:pk>/diff/", views.ReportDiffView.as_view(), name="diff"),
]
