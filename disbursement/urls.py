from django.urls import path

from . import views

app_name = "disbursement"

urlpatterns = [
    path("progress/", views.ProgressView.as_view(), name="progress"),
    path("allocations/", views.AllocationListView.as_view(), name="allocation_list"),
    path("allocations/export/", views.AllocationExportView.as_view(), name="allocation_export"),
    path("allocations/add/", views.AllocationCreateView.as_view(), name="allocation_add"),
    path("allocations/<int:pk>/", views.AllocationDetailView.as_view(), name="allocation_detail"),
    path("allocations/<int:pk>/edit/", views.AllocationUpdateView.as_view(), name="allocation_edit"),
    path("allocations/<int:pk>/adjust/", views.AllocationAdjustView.as_view(), name="allocation_adjust"),
    path("allocations/<int:pk>/delete/", views.AllocationDeleteView.as_view(), name="allocation_delete"),
    path("allocations/<int:pk>/plan/", views.PlanEditView.as_view(), name="plan_edit"),
    path("allocations/<int:pk>/disburse/", views.DisbursementCreateView.as_view(), name="disbursement_add"),
    path("disbursements/", views.DisbursementListView.as_view(), name="disbursement_list"),
    path("disbursements/export/", views.DisbursementExportView.as_view(), name="disbursement_export"),
    path("disbursements/<int:pk>/edit/", views.DisbursementUpdateView.as_view(), name="disbursement_edit"),
    path("disbursements/<int:pk>/delete/", views.DisbursementDeleteView.as_view(), name="disbursement_delete"),
    path("subprojects/", views.SubprojectOptionsView.as_view(), name="subproject_options"),
    path("units/", views.UnitOptionsView.as_view(), name="unit_options"),
    path("periods/", views.PeriodListView.as_view(), name="period_list"),
    path("periods/<int:pk>/", views.PeriodDetailView.as_view(), name="period_detail"),
    path("periods/<int:pk>/<str:action>/", views.PeriodActionView.as_view(), name="period_action"),
    path("periods/open/<int:year>/<str:kind>/", views.PeriodSubmitNewView.as_view(), name="period_open"),
    path("settings/", views.YearSettingView.as_view(), name="year_setting"),
    path("carry-over/", views.CarryOverView.as_view(), name="carry_over"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportBatchView.as_view(), name="import_batch"),
    path("import/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/template/<str:kind>/", views.ImportTemplateDownloadView.as_view(), name="import_template"),
]
