"""The catalog pages: prices in force and the history for everyone signed in; drafts for staff."""

import datetime
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import CatalogVersion, ImagePrice, RateLimit, TokenRate
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from tests.catalog.factories import StaffFactory, UserFactory

MINI_MEDIUM_SQUARE = "image_prices:gpt-image-1-mini:medium:1024x1024"


@pytest.fixture
def staff(db):
    return StaffFactory(username="stella")


@pytest.fixture
def member(db):
    return UserFactory(username="mel")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def draft(seed_catalog, staff):
    return catalog_version_draft_create(created_by=staff, clone_from=seed_catalog, label="Spring prices")


def _text(response) -> str:
    """The page's HTML with whitespace collapsed, for matching rows."""
    return re.sub(r"\s+", " ", response.content.decode())


def _price(version, model="gpt-image-1-mini", quality="medium", size="1024x1024") -> Decimal | None:
    cell = ImagePrice.objects.filter(version=version, model__slug=model, quality=quality, size=size).first()
    return cell.price if cell else None


class _FormValues(HTMLParser):
    """What a browser would post from the page's form: each input's value and each select's choice."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value") or ""
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n") if not self.values[self._textarea] else data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _edit_form(client, version) -> dict[str, str]:
    response = client.get(reverse("catalog-web:edit", args=[version.pk]))
    assert response.status_code == 200
    parser = _FormValues()
    parser.feed(response.content.decode())
    return parser.values


def _cell_html(response, name: str) -> str:
    """The <td> (or <tr>) holding the input named ``name``."""
    html = response.content.decode()
    position = html.index(f'name="{name}"')
    start = max(html.rfind("<td", 0, position), html.rfind("<tr", 0, position))
    return html[start : html.index("</t", position)]


# --- Prices in force ---------------------------------------------------------------------


def test_it_shows_the_prices_in_force_to_a_member(member_client, seed_catalog):
    response = member_client.get(reverse("catalog-web:prices"))

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>Prices in force today</h1>" in text
    assert "OpenAI 2026-03-27" in text
    assert "27 March 2026" in text
    assert seed_catalog.source in text
    # gpt-image-1-mini's matrix, each stored decimal place shown.
    assert (
        '<th scope="row">Low</th> <td class="num">$0.005</td><td class="num">$0.006</td>'
        '<td class="num">$0.006</td>' in text
    )
    assert (
        '<th scope="row">Medium</th> <td class="num">$0.011</td><td class="num">$0.015</td>'
        '<td class="num">$0.015</td>' in text
    )
    assert '<td class="num">$0.133</td><td class="num">$0.200</td><td class="num">$0.200</td>' in text
    # Token rates per 1M, the batch discount, rate limits.
    assert '<th scope="row">Cached text input</th><td class="num">$0.20</td>' in text
    assert '<th scope="row">Image output</th><td class="num">$32.00</td>' in text
    assert "0.5 (50% off) on inputs and outputs" in text
    assert (
        '<th scope="row">Tier 5</th> <td>yes</td> <td class="num">8,000,000</td> <td class="num">250</td>'
        in text
    )
    # Free tier: listed as unsupported, limits not listed; gpt-image-1's TPM is not listed at all.
    assert (
        '<th scope="row">Free</th> <td>no</td> <td class="num"><span class="not-listed">not listed</span>'
        in text
    )
    assert (
        '<th scope="row">Tier 1</th> <td>yes</td> <td class="num"><span class="not-listed">not listed</span>'
        '</td> <td class="num">5</td>' in text
    )
    assert "$0.000" not in text and "$0.00<" not in text


def test_a_missing_price_is_not_listed_never_zero(member_client, seed_catalog, staff):
    draft = catalog_version_draft_create(
        created_by=staff, clone_from=seed_catalog, label="Fewer", effective_from=datetime.date(2026, 4, 1)
    )
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=(
                {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": None},
            )
        ),
    )
    catalog_version_publish(version=draft, published_by=staff)

    text = _text(member_client.get(reverse("catalog-web:prices")))

    assert "Fewer" in text
    assert (
        '<th scope="row">Medium</th> <td class="num"><span class="not-listed">not listed</span></td>'
        '<td class="num">$0.015</td>' in text
    )


def test_it_says_when_no_version_is_in_force(member_client, db):
    response = member_client.get(reverse("catalog-web:prices"))

    assert response.status_code == 200
    assert "No catalog version is in force today" in response.content.decode()
    assert "New draft" not in response.content.decode()


def test_it_offers_staff_a_draft_from_the_current_version(staff_client, seed_catalog):
    html = staff_client.get(reverse("catalog-web:prices")).content.decode()

    assert ">New draft from the current version</button>" in html


def test_it_sends_strangers_to_sign_in(client, seed_catalog, draft):
    for url in (
        reverse("catalog-web:prices"),
        reverse("catalog-web:versions"),
        reverse("catalog-web:version", args=[seed_catalog.pk]),
        reverse("catalog-web:diff", args=[seed_catalog.pk]),
        reverse("catalog-web:edit", args=[draft.pk]),
    ):
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


# --- History and one version ---------------------------------------------------------------


def test_the_history_lists_published_versions_to_members_and_drafts_to_staff(
    member_client, staff, seed_catalog, draft
):
    member_html = member_client.get(reverse("catalog-web:versions")).content.decode()
    member_client.force_login(staff)
    staff_html = member_client.get(reverse("catalog-web:versions")).content.decode()

    assert "OpenAI 2026-03-27" in member_html and "in force" in member_html
    assert "Spring prices" not in member_html
    assert "Spring prices" in staff_html
    assert 'version-status-draft">Draft</span>' in staff_html


def test_a_version_page_shows_its_prices(member_client, seed_catalog):
    response = member_client.get(reverse("catalog-web:version", args=[seed_catalog.pk]))

    assert response.status_code == 200
    text = _text(response)
    assert "<h1>OpenAI 2026-03-27</h1>" in text
    assert '<td class="num">$0.011</td>' in text
    assert "Edit draft" not in text


def test_members_cannot_see_drafts(member_client, draft):
    for url in (
        reverse("catalog-web:version", args=[draft.pk]),
        reverse("catalog-web:diff", args=[draft.pk]),
    ):
        assert member_client.get(url).status_code == 404, url


def test_staff_see_a_draft_with_its_actions(staff_client, draft):
    html = staff_client.get(reverse("catalog-web:version", args=[draft.pk])).content.decode()

    assert "Spring prices" in html
    assert ">Edit draft</a>" in html
    assert ">Review impact and publish</a>" in html
    assert ">Delete draft</a>" in html


def test_a_missing_version_is_404(staff_client, db):
    assert staff_client.get(reverse("catalog-web:version", args=[999])).status_code == 404


# --- Writes: staff only --------------------------------------------------------------------


def test_members_cannot_write(member_client, seed_catalog, draft):
    edit = reverse("catalog-web:edit", args=[draft.pk])
    requests = [
        ("post", reverse("catalog-web:draft-create"), {}),
        ("get", edit, {}),
        ("post", edit, {"label": "Mine", MINI_MEDIUM_SQUARE: "0.001"}),
        ("post", reverse("catalog-web:cell-save", args=[draft.pk]), {"unit": MINI_MEDIUM_SQUARE}),
        ("get", reverse("catalog-web:delete", args=[draft.pk]), {}),
        ("post", reverse("catalog-web:delete", args=[draft.pk]), {}),
        ("post", reverse("catalog-web:edit", args=[seed_catalog.pk]), {}),
    ]
    for method, url, data in requests:
        response = getattr(member_client, method)(url, data)

        assert response.status_code == 403, (method, url)
    draft.refresh_from_db()
    assert draft.label == "Spring prices"
    assert CatalogVersion.objects.count() == 2
    assert _price(draft) == Decimal("0.011")


def test_it_creates_a_draft_from_the_current_version(staff_client, staff, seed_catalog):
    response = staff_client.post(reverse("catalog-web:draft-create"))

    draft = CatalogVersion.objects.drafts().get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog-web:edit", args=[draft.pk])
    assert draft.cloned_from == seed_catalog
    assert draft.created_by == staff
    assert ImagePrice.objects.filter(version=draft).count() == 27
    assert RateLimit.objects.filter(version=draft).count() == 12
    assert _price(draft) == Decimal("0.011")


def test_it_creates_a_draft_from_a_chosen_version(staff_client, seed_catalog, draft):
    response = staff_client.post(reverse("catalog-web:draft-create"), {"clone_from": draft.pk})

    assert response.status_code == 302
    assert CatalogVersion.objects.get(cloned_from=draft).status == "draft"


def test_it_creates_an_empty_draft_when_nothing_is_in_force(staff_client, db):
    response = staff_client.post(reverse("catalog-web:draft-create"))

    draft = CatalogVersion.objects.get()
    assert response.status_code == 302
    assert draft.cloned_from is None
    assert not ImagePrice.objects.filter(version=draft).exists()


def test_creating_a_draft_is_a_post(staff_client, seed_catalog):
    assert staff_client.get(reverse("catalog-web:draft-create")).status_code == 405


# --- Editing a draft -------------------------------------------------------------------------


def test_the_edit_page_has_an_input_per_cell(staff_client, draft):
    response = staff_client.get(reverse("catalog-web:edit", args=[draft.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Edit draft: Spring prices</h1>" in html
    assert ">gpt-image-1-mini medium 1024x1024 price (USD per image)</label>" in html
    assert f'name="{MINI_MEDIUM_SQUARE}" value="0.011"' in html
    assert 'name="token_rates:gpt-image-1:image_output" value="40"' in html
    assert 'name="batch_discounts:gpt-image-1.5" value="0.5"' in html
    assert 'name="rate_limits:gpt-image-1-mini:tier3:tpm" value="800000"' in html
    # gpt-image-1.5 lists no rate limit: empty inputs, "not listed" chosen.
    assert 'name="rate_limits:gpt-image-1.5:tier1:ipm" value=""' in html
    assert ">Save changes</button>" in html


def test_it_saves_the_changed_cells(staff_client, draft):
    data = _edit_form(staff_client, draft)
    data[MINI_MEDIUM_SQUARE] = "0.0125"
    data["token_rates:gpt-image-1-mini:text_input"] = "2.5"
    data["batch_discounts:gpt-image-1"] = ""  # removes the cell
    data["rate_limits:gpt-image-1.5:tier2:supported"] = "yes"
    data["rate_limits:gpt-image-1.5:tier2:ipm"] = "15"
    data["label"] = "Spring prices v2"

    response = staff_client.post(reverse("catalog-web:edit", args=[draft.pk]), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog-web:edit", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.label == "Spring prices v2"
    assert _price(draft) == Decimal("0.0125")
    rate = TokenRate.objects.get(version=draft, model__slug="gpt-image-1-mini", kind="text_input")
    assert rate.per_million == Decimal("2.5")
    assert not draft.batchdiscounts.filter(model__slug="gpt-image-1").exists()
    tier2 = RateLimit.objects.get(version=draft, model__slug="gpt-image-1.5", tier="tier2")
    assert (tier2.supported, tier2.tpm, tier2.ipm) == (True, None, 15)
    assert _price(draft, model="gpt-image-1", quality="high", size="1536x1024") == Decimal("0.25")
    page = staff_client.get(response["Location"]).content.decode()
    assert "Saved the version&#x27;s label and 4 cells." in page


def test_it_saves_only_what_changed_on_the_page(staff_client, staff, draft):
    data = _edit_form(staff_client, draft)
    # Meanwhile someone else changes another cell.
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=({"model": "gpt-image-1", "quality": "low", "size": "1024x1024", "price": "0.012"},)
        ),
    )
    data[MINI_MEDIUM_SQUARE] = "0.02"

    response = staff_client.post(reverse("catalog-web:edit", args=[draft.pk]), data)

    assert response.status_code == 302
    assert _price(draft) == Decimal("0.02")
    assert _price(draft, model="gpt-image-1", quality="low") == Decimal("0.012")


def test_an_unchanged_form_saves_nothing(staff_client, draft):
    response = staff_client.post(
        reverse("catalog-web:edit", args=[draft.pk]), _edit_form(staff_client, draft)
    )

    assert response.status_code == 302
    assert "Nothing changed." in staff_client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-0.01", "Ensure this value is greater than or equal to 0."),
        ("0.0000001", "Ensure that there are no more than 6 decimal places."),
        ("abc", "A valid number is required."),
    ],
)
def test_a_bad_price_is_shown_next_to_its_cell(staff_client, draft, value, message):
    data = _edit_form(staff_client, draft)
    data[MINI_MEDIUM_SQUARE] = value
    data["token_rates:gpt-image-1-mini:text_input"] = "3"  # a good change is not saved either

    response = staff_client.post(reverse("catalog-web:edit", args=[draft.pk]), data)

    assert response.status_code == 200
    cell = _cell_html(response, MINI_MEDIUM_SQUARE)
    assert f'value="{value}"' in cell
    assert 'aria-invalid="true"' in cell
    assert f"<li>{message}</li>" in cell
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f"gpt-image-1-mini medium 1024x1024 price (USD per image): {message}" in html
    assert _price(draft) == Decimal("0.011")
    assert (
        TokenRate.objects.get(version=draft, model__slug="gpt-image-1-mini", kind="text_input").per_million
        == 2
    )


def test_bad_rate_limits_and_discounts_are_shown_next_to_their_cells(staff_client, draft):
    data = _edit_form(staff_client, draft)
    data["rate_limits:gpt-image-1-mini:tier1:tpm"] = "lots"
    data["rate_limits:gpt-image-1.5:tier1:ipm"] = "5"  # a limit for a tier whose support is not listed
    data["batch_discounts:gpt-image-1-mini"] = "1.5"

    response = staff_client.post(reverse("catalog-web:edit", args=[draft.pk]), data)

    assert response.status_code == 200
    assert "A valid integer is required." in _cell_html(response, "rate_limits:gpt-image-1-mini:tier1:tpm")
    assert "Must be null when supported is null" in _cell_html(
        response, "rate_limits:gpt-image-1.5:tier1:ipm"
    )
    assert "Ensure this value is less than or equal to 1." in _cell_html(
        response, "batch_discounts:gpt-image-1-mini"
    )


def test_a_bad_version_field_is_shown_next_to_it(staff_client, draft):
    data = _edit_form(staff_client, draft)
    data["label"] = ""
    data["effective_from"] = "someday"

    response = staff_client.post(reverse("catalog-web:edit", args=[draft.pk]), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_label_error"' in html and "This field is required." in html
    assert 'aria-describedby="id_effective_from_error id_effective_from_helptext"' in html
    draft.refresh_from_db()
    assert draft.label == "Spring prices"


def test_a_published_version_is_read_only(staff_client, seed_catalog):
    url = reverse("catalog-web:edit", args=[seed_catalog.pk])

    page = staff_client.get(url)
    refused = staff_client.post(url, {"label": "Changed", MINI_MEDIUM_SQUARE: "1"})

    assert page.status_code == 200
    assert "This version is published, so it is read-only." in page.content.decode()
    assert 'name="image_prices:' not in page.content.decode()
    assert refused.status_code == 409
    assert "can no longer change" in refused.content.decode()
    seed_catalog.refresh_from_db()
    assert seed_catalog.label == "OpenAI 2026-03-27"
    assert _price(seed_catalog) == Decimal("0.011")


def test_htmx_saves_one_cell(staff_client, draft):
    data = _edit_form(staff_client, draft)
    data[MINI_MEDIUM_SQUARE] = "0.013"
    data["token_rates:gpt-image-1-mini:text_input"] = "9"  # another pending edit, not this request's
    data["unit"] = MINI_MEDIUM_SQUARE

    response = staff_client.post(
        reverse("catalog-web:cell-save", args=[draft.pk]), data, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<td")
    assert f'name="{MINI_MEDIUM_SQUARE}" value="0.013"' in html
    assert f'name="initial:{MINI_MEDIUM_SQUARE}" value="0.013"' in html
    assert 'hx-swap-oob="innerHTML">Saved gpt-image-1-mini medium 1024x1024.' in html
    assert _price(draft) == Decimal("0.013")
    assert (
        TokenRate.objects.get(version=draft, model__slug="gpt-image-1-mini", kind="text_input").per_million
        == 2
    )


def test_htmx_shows_a_bad_cell_in_place(staff_client, draft):
    data = _edit_form(staff_client, draft)
    data["rate_limits:gpt-image-1-mini:tier2:ipm"] = "-3"
    data["unit"] = "rate_limits:gpt-image-1-mini:tier2"

    response = staff_client.post(reverse("catalog-web:cell-save", args=[draft.pk]), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<tr")
    assert "Ensure this value is greater than or equal to 0." in html
    assert RateLimit.objects.get(version=draft, model__slug="gpt-image-1-mini", tier="tier2").ipm == 20


def test_htmx_refuses_an_unknown_cell(staff_client, draft):
    response = staff_client.post(reverse("catalog-web:cell-save", args=[draft.pk]), {"unit": "nonsense"})

    assert response.status_code == 400


# --- Deleting a draft ------------------------------------------------------------------------


def test_it_deletes_a_draft_after_confirmation(staff_client, draft):
    url = reverse("catalog-web:delete", args=[draft.pk])

    confirmation = staff_client.get(url)
    response = staff_client.post(url)

    assert confirmation.status_code == 200
    assert ">Delete draft</button>" in confirmation.content.decode()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog-web:versions")
    assert not CatalogVersion.objects.filter(pk=draft.pk).exists()


def test_it_refuses_to_delete_a_published_version(staff_client, seed_catalog):
    response = staff_client.post(reverse("catalog-web:delete", args=[seed_catalog.pk]))

    assert response.status_code == 409
    assert CatalogVersion.objects.filter(pk=seed_catalog.pk).exists()


# --- Diff ------------------------------------------------------------------------------------


def test_the_diff_shows_a_changed_price_with_its_percent_change(staff_client, seed_catalog, draft):
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=(
                {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.0132"},
                {"model": "gpt-image-1.5", "quality": "high", "size": "1024x1024", "price": "0.1"},
                {"model": "gpt-image-1", "quality": "low", "size": "1024x1024", "price": None},
            )
        ),
    )

    response = staff_client.get(reverse("catalog-web:diff", args=[draft.pk]))

    assert response.status_code == 200
    text = _text(response)
    assert "compared with OpenAI 2026-03-27" in text
    assert "2 changed, 0 added, 1 removed" in text
    assert (
        '<tr class="diff-up"> <td>Per-image price</td> <td><code>gpt-image-1-mini</code></td> '
        '<td>medium · 1024x1024</td> <td class="num">$0.011</td> <td class="num">$0.0132</td> '
        '<td class="num">▲ +20.00%</td>' in text
    )
    assert '<td class="num">$0.133</td> <td class="num">$0.100</td> <td class="num">▼ -24.81%</td>' in text
    assert (
        '<td class="num">$0.011</td> <td class="num"><span class="not-listed">not listed</span></td> '
        '<td class="num">no longer listed</td>' in text
    )


def test_the_diff_compares_with_any_visible_version(member_client, staff, seed_catalog):
    later = catalog_version_draft_create(
        created_by=staff, clone_from=seed_catalog, label="April", effective_from=datetime.date(2026, 4, 1)
    )
    catalog_version_draft_update(
        version=later,
        changes=CellChanges(batch_discounts=({"model": "gpt-image-1", "discount": "0.25"},)),
    )
    catalog_version_publish(version=later, published_by=staff)

    response = member_client.get(reverse("catalog-web:diff", args=[seed_catalog.pk]), {"against": later.pk})

    assert response.status_code == 200
    text = _text(response)
    assert f'<option value="{later.pk}" selected>April (published, from 2026-04-01)</option>' in text
    assert (
        '<td class="num">0.25 (25% off)</td> <td class="num">0.5 (50% off)</td> <td class="num">▲ +100.00%'
        in text
    )


def test_the_diff_refuses_a_version_it_does_not_list(member_client, staff, seed_catalog, draft):
    other = catalog_version_draft_create(created_by=staff, clone_from=seed_catalog, label="Other")
    catalog_version_publish(version=other, published_by=staff)
    for against in (draft.pk, "letters", 999):
        response = member_client.get(
            reverse("catalog-web:diff", args=[seed_catalog.pk]), {"against": against}
        )

        assert response.status_code == 200
        assert "Choose one of the listed versions." in response.content.decode()
        assert "Spring prices" not in response.content.decode()


def test_a_version_with_nothing_to_compare_says_so(member_client, seed_catalog):
    response = member_client.get(reverse("catalog-web:diff", args=[seed_catalog.pk]))

    assert response.status_code == 200
    assert "There is no other version to compare with yet." in response.content.decode()


# --- Query counts ----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_prices_page_and_the_history_cost_the_same_queries_however_many_versions(
    staff_client, staff, seed_catalog
):
    counts = []
    newer = seed_catalog
    for day in range(1, 6):
        newer = catalog_version_draft_create(
            created_by=staff,
            clone_from=newer,
            label=f"April {day}",
            effective_from=datetime.date(2026, 4, day),
        )
        catalog_version_draft_update(
            version=newer,
            changes=CellChanges(
                token_rates=tuple(
                    {"model": model, "kind": "text_input", "per_million": str(day)}
                    for model in ("gpt-image-1-mini", "gpt-image-1.5", "gpt-image-1")
                ),
                rate_limits=tuple(
                    {"model": "gpt-image-1.5", "tier": f"tier{tier}", "supported": True, "ipm": day}
                    for tier in range(1, day + 1)
                ),
            ),
        )
        catalog_version_publish(version=newer, published_by=staff)
        catalog_version_draft_create(created_by=staff, clone_from=newer, label=f"Draft {day}")
        counts.append(
            (
                _queries(staff_client, reverse("catalog-web:prices")),
                _queries(staff_client, reverse("catalog-web:versions")),
                _queries(staff_client, reverse("catalog-web:version", args=[newer.pk])),
            )
        )

    assert counts == [counts[0]] * 5
    assert counts[0][0] <= 10


def test_htmx_reloads_the_page_when_the_version_was_published_meanwhile(staff_client, staff, draft):
    data = _edit_form(staff_client, draft)
    catalog_version_publish(version=draft, published_by=staff)
    data[MINI_MEDIUM_SQUARE] = "0.5"
    data["unit"] = MINI_MEDIUM_SQUARE

    response = staff_client.post(reverse("catalog-web:cell-save", args=[draft.pk]), data)

    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert _price(draft) == Decimal("0.011")
