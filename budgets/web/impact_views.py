"""Publishing a catalog version, behind a confirmation that shows its impact on teams first.

It lives here rather than in catalog.web because the impact is the recompute's
computation (``budgets.impact``), and catalog never imports budgets.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from budgets.impact import catalog_version_impact
from catalog import selectors, services
from catalog.models import CatalogVersion, PublishedVersionImmutable
from catalog.web.display import diff_rows


@login_required
@require_http_methods(["GET", "POST"])
def publish_confirm(request: HttpRequest, version_id: int) -> HttpResponse:
    """GET: the draft's changes and what publishing it would change for teams. POST: publish."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff publish catalog versions.")
    version = selectors.catalog_version_get(version_id=version_id, user=request.user)
    if version is None:
        raise Http404(f"No catalog version {version_id}.")

    if request.method == "POST":
        try:
            services.catalog_version_publish(version=version, published_by=request.user)
        except PublishedVersionImmutable:
            messages.info(request, f"“{version.label}” is already published; nothing changed.")
            return redirect("catalog-web:version", version_id=version.pk)
        except services.EmptyCatalogVersion:
            messages.error(
                request,
                f"“{version.label}” lists no per-image price, so it would price nothing: "
                "add its prices before publishing.",
            )
            return redirect("catalog-publish", version_id=version.pk)
        except CatalogVersion.DoesNotExist as exc:
            raise Http404(f"No catalog version {version_id}.") from exc
        effective = f"{version.effective_from.day} {version.effective_from:%B %Y}"
        messages.success(
            request,
            f"Published “{version.label}”, in force from {effective}. "
            "Teams' projections and alerts are being brought up to date.",
        )
        return redirect("catalog-web:version", version_id=version.pk)

    if version.is_published:
        messages.info(request, f"“{version.label}” is already published.")
        return redirect("catalog-web:version", version_id=version.pk)

    today = timezone.localdate()
    against = selectors.catalog_version_diff_base(version=version, user=request.user, on=today)
    diff = selectors.catalog_version_diff(version=version, against=against) if against else None
    context = {
        "nav_section": "catalog",
        "subnav": "version",
        "version": version,
        "diff": diff,
        "rows": diff_rows(diff) if diff else [],
        "impact": catalog_version_impact(version=version, today=today),
        "today": today,
    }
    return render(request, "budgets/publish_confirm.html", context)
