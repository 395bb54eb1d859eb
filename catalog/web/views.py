"""The catalog pages: prices in force and the version history for everyone signed in;
drafts, their cells, deletion and diffs for staff.

Each view reads through ``catalog.selectors``, writes through ``catalog.services``
and leaves every rule to them. A draft is invisible to non-staff (404); a write by
non-staff is refused (403) before any lookup. A published version never changes:
a write to one answers 409 with a message, never a 500. Publishing, which shows
its impact on teams first, lives in ``budgets.web.impact_views`` (catalog never
imports budgets).
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import selectors, services
from catalog.constants import Tier
from catalog.models import CatalogVersion, PublishedVersionImmutable
from catalog.web.display import diff_rows, size_labels, version_sheets
from catalog.web.forms import (
    SUPPORTED_CHOICES,
    CellGrid,
    DiffAgainstForm,
    VersionFieldsForm,
    editable_image_models,
)

NAV = {"nav_section": "catalog"}


def staff_required(view: Callable) -> Callable:
    """Signed in (else to the sign-in page) and staff (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied("Only staff change the price catalog.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _visible_version(request: HttpRequest, version_id: int) -> CatalogVersion:
    version = selectors.catalog_version_get(version_id=version_id, user=request.user)
    if version is None:
        raise Http404(f"No catalog version {version_id}.")
    return version


def _version_page(
    request: HttpRequest, version_id: int, *, status: int = 200, read_only_note: bool = False
) -> HttpResponse:
    version = selectors.catalog_version_detail(version_id=version_id, user=request.user)
    if version is None:
        raise Http404(f"No catalog version {version_id}.")
    today = timezone.localdate()
    in_force = selectors.catalog_version_in_force(on=today)
    cloned_from = (
        selectors.catalog_version_get(version_id=version.cloned_from_id, user=request.user)
        if version.cloned_from_id
        else None
    )
    context = {
        **NAV,
        "subnav": "version",
        "version": version,
        "is_in_force": in_force is not None and in_force.pk == version.pk,
        "cloned_from": cloned_from,
        "sheets": version_sheets(version),
        "sizes": size_labels(),
        "read_only_note": read_only_note,
    }
    return render(request, "catalog/version.html", context, status=status)


@login_required
@require_GET
def prices(request: HttpRequest) -> HttpResponse:
    """The prices in force today."""
    today = timezone.localdate()
    in_force = selectors.catalog_version_in_force(on=today)
    version = (
        selectors.catalog_version_detail(version_id=in_force.pk, user=request.user) if in_force else None
    )
    context = {
        **NAV,
        "subnav": "prices",
        "today": today,
        "version": version,
        "sheets": version_sheets(version) if version else [],
        "sizes": size_labels(),
    }
    return render(request, "catalog/prices.html", context)


@login_required
@require_GET
def versions(request: HttpRequest) -> HttpResponse:
    """Every version the user may see, newest first."""
    today = timezone.localdate()
    in_force = selectors.catalog_version_in_force(on=today)
    context = {
        **NAV,
        "subnav": "versions",
        "versions": list(selectors.catalog_version_list(user=request.user)),
        "in_force_id": in_force.pk if in_force else None,
        "today": today,
    }
    return render(request, "catalog/versions.html", context)


@login_required
@require_GET
def version(request: HttpRequest, version_id: int) -> HttpResponse:
    return _version_page(request, version_id)


@staff_required
@require_POST
def draft_create(request: HttpRequest) -> HttpResponse:
    """A new draft, copying the version named by ``clone_from``, else the one in force today."""
    clone_from_id = request.POST.get("clone_from", "")
    if clone_from_id:
        if not clone_from_id.isdigit():
            raise Http404("No such catalog version.")
        clone_from = _visible_version(request, int(clone_from_id))
    else:
        clone_from = selectors.catalog_version_in_force(on=timezone.localdate())
    draft = services.catalog_version_draft_create(created_by=request.user, clone_from=clone_from)
    if clone_from is not None:
        messages.success(
            request, f"Draft created from “{clone_from.label}”: change what differs, then publish it."
        )
    else:
        messages.success(request, "Empty draft created: no version is in force to copy.")
    return redirect("catalog-web:edit", version_id=draft.pk)


def _edit_context(version: CatalogVersion, form: VersionFieldsForm, grid: CellGrid) -> dict:
    return {
        **NAV,
        "subnav": "version",
        "version": version,
        "form": form,
        "grid": grid,
        "sizes": size_labels(),
        "supported_choices": SUPPORTED_CHOICES,
    }


def _grid(version: CatalogVersion, data=None) -> CellGrid:
    cells = selectors.catalog_version_cells(version=version)
    listed = {row["model"] for rows in cells.values() for row in rows}
    return CellGrid(image_models=editable_image_models(listed_slugs=listed), cells=cells, data=data)


def _refuse_published(request: HttpRequest, version_id: int) -> HttpResponse:
    messages.error(request, "This version is published and can no longer change. Create a new draft from it.")
    return _version_page(request, version_id, status=409, read_only_note=True)


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, version_id: int) -> HttpResponse:
    """A draft's fields and cells; only what changed is saved."""
    version = _visible_version(request, version_id)
    if version.is_published:
        if request.method == "POST":
            return _refuse_published(request, version_id)
        return _version_page(request, version_id, read_only_note=True)

    data = request.POST if request.method == "POST" else None
    form = VersionFieldsForm(data, version=version)
    grid = _grid(version, data)
    if request.method == "POST":
        form_valid = form.is_valid()
        changed = grid.changed_units()
        changes = grid.validate(changed) if changed else services.CellChanges()
        if form_valid and changes is not None:
            try:
                services.catalog_version_draft_update(
                    version=version, changes=changes, **form.changed_values()
                )
            except PublishedVersionImmutable:
                return _refuse_published(request, version_id)
            except CatalogVersion.DoesNotExist as exc:
                raise Http404(f"No catalog version {version_id}.") from exc
            except services.UnknownModel as exc:
                grid.errors.append(str(exc))
            else:
                _saved_message(request, fields=form.changed_data, cells=len(changed))
                return redirect("catalog-web:edit", version_id=version.pk)
    return render(request, "catalog/edit.html", _edit_context(version, form, grid))


def _saved_message(request: HttpRequest, *, fields: list[str], cells: int) -> None:
    if not fields and not cells:
        messages.info(request, "Nothing changed.")
        return
    parts = []
    if fields:
        parts.append("the version's " + ", ".join(name.replace("_", " ") for name in fields))
    if cells:
        parts.append(f"{cells} cell{'s' if cells != 1 else ''}")
    messages.success(request, f"Saved {' and '.join(parts)}.")


def _reload(request: HttpRequest) -> HttpResponse:
    """htmx: the version was published meanwhile; reload the page, which now says so."""
    messages.error(request, "This version is published and can no longer change.")
    response = HttpResponse(status=200)
    response["HX-Refresh"] = "true"
    return response


@staff_required
@require_POST
def cell_save(request: HttpRequest, version_id: int) -> HttpResponse:
    """htmx: save the one cell (or tier row) named by ``unit``; answer its re-rendered inputs."""
    version = _visible_version(request, version_id)
    if version.is_published:
        return _reload(request)
    grid = _grid(version, request.POST)
    unit = grid.units.get(request.POST.get("unit", ""))
    if unit is None:
        return HttpResponse("Unknown cell.", status=400, content_type="text/plain")
    status_text = ""
    if unit.changed:
        changes = grid.validate([unit])
        if changes is not None:
            try:
                services.catalog_version_draft_update(version=version, changes=changes)
            except PublishedVersionImmutable:
                return _reload(request)
            except CatalogVersion.DoesNotExist as exc:
                raise Http404(f"No catalog version {version_id}.") from exc
            except services.UnknownModel as exc:
                unit.inputs[0].errors.append(str(exc))
            else:
                unit = _grid(version).units[unit.key]
                status_text = f"Saved {unit.label}."
        if unit.errors:
            status_text = f"Not saved: {unit.label}: {' '.join(unit.errors)}"
    template = "catalog/_rate_limit_row.html" if unit.section == "rate_limits" else "catalog/_cell_input.html"
    context = {
        "version": version,
        "unit": unit,
        "supported_choices": SUPPORTED_CHOICES,
        "status_text": status_text,
        "out_of_band": True,
    }
    if unit.section == "rate_limits":
        context["tier_label"] = Tier(unit.row["tier"]).label
    return render(request, template, context)


@staff_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, version_id: int) -> HttpResponse:
    """Delete a draft, after a confirmation."""
    version = _visible_version(request, version_id)
    if version.is_published:
        if request.method == "POST":
            return _refuse_published(request, version_id)
        messages.error(request, "A published version cannot be deleted.")
        return redirect("catalog-web:version", version_id=version.pk)
    if request.method == "POST":
        try:
            services.catalog_version_draft_delete(version=version)
        except PublishedVersionImmutable:
            return _refuse_published(request, version_id)
        except CatalogVersion.DoesNotExist as exc:
            raise Http404(f"No catalog version {version_id}.") from exc
        messages.success(request, f"Draft “{version.label}” deleted.")
        return redirect("catalog-web:versions")
    return render(request, "catalog/delete.html", {**NAV, "subnav": "version", "version": version})


@login_required
@require_GET
def diff(request: HttpRequest, version_id: int) -> HttpResponse:
    """Cell-by-cell changes against ``?against=`` (default: the version it was cloned from, or
    the one in force today)."""
    version = _visible_version(request, version_id)
    others = [v for v in selectors.catalog_version_list(user=request.user) if v.pk != version.pk]
    against = None
    if "against" in request.GET:
        form = DiffAgainstForm(request.GET, versions=others)
        if form.is_valid():
            against = next(v for v in others if v.pk == form.cleaned_data["against"])
    else:
        today = timezone.localdate()
        against = selectors.catalog_version_diff_base(version=version, user=request.user, on=today)
        form = DiffAgainstForm(initial={"against": against.pk if against else None}, versions=others)
    result = selectors.catalog_version_diff(version=version, against=against) if against else None
    context = {
        **NAV,
        "subnav": "version",
        "version": version,
        "against": against,
        "form": form,
        "diff": result,
        "rows": diff_rows(result) if result else [],
        "diff_url": reverse("catalog-web:diff", kwargs={"version_id": version.pk}),
    }
    return render(request, "catalog/diff.html", context)
