from django.urls import path

from routing.api.views import QuoteView

urlpatterns = [
    path("quote/", QuoteView.as_view(), name="quote"),
]
