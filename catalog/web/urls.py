"""The catalog pages, under /catalog/. Publishing (with its impact on teams) is in budgets.web."""

from django.urls import path

from catalog.web import views

app_name = "catalog-web"

urlpatterns = [
    path("", views.prices, name="prices"),
    path("versions/", views.versions, name="versions"),
    path("versions/new/", views.draft_create, name="draft-create"),
    path("versions/<id:version_id>/", views.version, name="version"),
    path("versions/<id:version_id>/edit/", views.edit, name="edit"),
    path("versions/<id:version_id>/edit/cell/", views.cell_save, name="cell-save"),
    path("versions/<id:version_id>/delete/", views.delete, name="delete"),
    path("versions/<id:version_id>/diff/", views.diff, name="diff"),
]
