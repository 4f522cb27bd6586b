from django.urls import path

from . import views

app_name = "geography"

urlpatterns = [
    path("", views.UnitHomeView.as_view(), name="unit_home"),
    path("<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
]
