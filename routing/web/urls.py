"""Quote pages, under /quote/.

The live quote belongs to a team's plan form: its view lives with the plan pages
(``budgets.web.plan_views``), which know the team and the form; this is only its address.
"""

from django.urls import path

from budgets.web import plan_views

urlpatterns = [
    path("preview/", plan_views.quote_preview, name="quote-preview"),
]
