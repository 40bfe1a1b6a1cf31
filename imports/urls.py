from django.urls import path

from imports import views

urlpatterns = [
    path("settings/import/", views.import_index, name="import-index"),
    path("settings/export/", views.export_everything, name="export-everything"),
    path("settings/import/<slug:kind>/", views.import_kind, name="import-kind"),
    path("settings/import/<slug:kind>/template/", views.import_template, name="import-template"),
    path("settings/import/files/<int:pk>/", views.import_preview, name="import-preview"),
    path("settings/import/files/<int:pk>/columns/", views.import_columns, name="import-columns"),
    path("settings/import/files/<int:pk>/confirm/", views.import_confirm_page, name="import-confirm"),
]
