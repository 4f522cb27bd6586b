from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("", views.ProgramStructureView.as_view(), name="structure"),
]
