from django.urls import path

from catalog.api import views

app_name = "catalog"

urlpatterns = [
    path("versions/", views.CatalogVersionListApi.as_view(), name="version-list"),
    path("versions/current/", views.CatalogVersionCurrentApi.as_view(), name="version-current"),
    path("versions/<id:version_id>/", views.CatalogVersionDetailApi.as_view(), name="version-detail"),
    path(
        "versions/<id:version_id>/publish/",
        views.CatalogVersionPublishApi.as_view(),
        name="version-publish",
    ),
    path("versions/<id:version_id>/diff/", views.CatalogVersionDiffApi.as_view(), name="version-diff"),
]
