from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from beneficiaries.api import (
    EthnicGroupViewSet,
    HouseholdSupportViewSet,
    HouseholdViewSet,
    PrestigiousPersonViewSet,
    SupportActivityViewSet,
)
from disbursement.api import AllocationViewSet, DisbursementViewSet, ProgressView
from ethnic_portal.api import ObtainAuthToken
from geography.api import UnitViewSet
from programs.api import ProjectViewSet
from reports.api import ReportJobViewSet

router = DefaultRouter()
router.register("units", UnitViewSet, basename="unit")
router.register("ethnic-groups", EthnicGroupViewSet, basename="ethnic-group")
router.register("projects", ProjectViewSet, basename="project")
router.register("allocations", AllocationViewSet, basename="allocation")
router.register("disbursements", DisbursementViewSet, basename="disbursement")
router.register("prestigious-persons", PrestigiousPersonViewSet, basename="prestigious-person")
router.register("support-activities", SupportActivityViewSet, basename="support-activity")
router.register("households", HouseholdViewSet, basename="household")
router.register("household-supports", HouseholdSupportViewSet, basename="household-support")
router.register("reports", ReportJobViewSet, basename="report")

urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("progress/", ProgressView.as_view(), name="api-progress"),
    path("", include(router.urls)),
]
