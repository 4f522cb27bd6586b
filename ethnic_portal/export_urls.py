from django.urls import path

from . import export_views

app_name = "exports"

urlpatterns = [
    path("<int:pk>/", export_views.ExportJobDetailView.as_view(), name="detail"),
    path("<int:pk>/status/", export_views.ExportJobRowView.as_view(), name="status"),
    path("<int:pk>/download/", export_views.ExportJobDownloadView.as_view(), name="download"),
]
