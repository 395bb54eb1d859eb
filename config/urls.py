from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config import views
from config.api import IdConverter

register_converter(IdConverter, "id")

api_v1 = [
    path("", include("routing.api.urls")),
    path("catalog/", include("catalog.api.urls")),
    path("teams/", include("budgets.api.urls")),
]

urlpatterns = [
    path("", include("budgets.web.urls")),
    path("catalog/", include("catalog.web.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", views.account, name="account"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

handler404 = views.not_found
