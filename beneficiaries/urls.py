from django.urls import path

from . import views

app_name = "beneficiaries"

urlpatterns = [
    path("persons/", views.PersonListView.as_view(), name="person_list"),
    path("persons/export/", views.PersonExportView.as_view(), name="person_export"),
    path("persons/add/", views.PersonCreateView.as_view(), name="person_add"),
    path("persons/<int:pk>/", views.PersonDetailView.as_view(), name="person_detail"),
    path("persons/<int:pk>/edit/", views.PersonUpdateView.as_view(), name="person_edit"),
    path("persons/<int:pk>/delete/", views.PersonDeleteView.as_view(), name="person_delete"),
    path("persons/<int:pk>/support/", views.SupportCreateView.as_view(), name="support_add"),
    path("supports/", views.SupportListView.as_view(), name="support_list"),
    path("supports/<int:pk>/edit/", views.SupportUpdateView.as_view(), name="support_edit"),
    path("supports/<int:pk>/delete/", views.SupportDeleteView.as_view(), name="support_delete"),
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("courses/add/", views.CourseCreateView.as_view(), name="course_add"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", views.CourseUpdateView.as_view(), name="course_edit"),
    path("courses/<int:pk>/participants/", views.CourseParticipantsView.as_view(), name="course_participants"),
    path("tet-season/", views.TetSeasonView.as_view(), name="tet_season"),
    path("households/", views.HouseholdListView.as_view(), name="household_list"),
    path("households/search/", views.HouseholdSearchView.as_view(), name="household_search"),
    path("households/export/", views.HouseholdExportView.as_view(), name="household_export"),
    path("households/add/", views.HouseholdCreateView.as_view(), name="household_add"),
    path("households/<int:pk>/", views.HouseholdDetailView.as_view(), name="household_detail"),
    path("households/<int:pk>/edit/", views.HouseholdUpdateView.as_view(), name="household_edit"),
    path("households/<int:pk>/delete/", views.HouseholdDeleteView.as_view(), name="household_delete"),
    path("households/<int:pk>/support/", views.HouseholdSupportCreateView.as_view(), name="household_support_add"),
    path("household-supports/", views.HouseholdSupportListView.as_view(), name="household_support_list"),
    path(
        "household-supports/<int:pk>/edit/", views.HouseholdSupportUpdateView.as_view(), name="household_support_edit"
    ),
    path(
        "household-supports/<int:pk>/delete/",
        views.HouseholdSupportDeleteView.as_view(),
        name="household_support_delete",
    ),
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/add/", views.ActivityCreateView.as_view(), name="activity_add"),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_edit"),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity_delete"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    path("review/", views.CaseReviewView.as_view(), name="review"),
    path("access-log/", views.AccessLogView.as_view(), name="access_log"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", views.ImportBatchView.as_view(), name="import_batch"),
    path("import/<int:pk>/confirm/", views.ImportConfirmView.as_view(), name="import_confirm"),
    path("import/template/<str:kind>/", views.ImportTemplateView.as_view(), name="import_template"),
]
