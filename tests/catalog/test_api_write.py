"""Staff write drafts: create, edit, delete, publish. Published versions answer 409."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import BatchDiscount, CatalogVersion, ImagePrice, RateLimit, TokenRate
from tests.catalog.factories import CatalogVersionFactory

LIST_URL = reverse("catalog:version-list")


def detail_url(version_id: int) -> str:
    return reverse("catalog:version-detail", args=[version_id])


def publish_url(version_id: int) -> str:
    return reverse("catalog:version-publish", args=[version_id])


def price(version: CatalogVersion, model: str, quality: str, size: str) -> Decimal | None:
    cell = ImagePrice.objects.filter(version=version, model__slug=model, quality=quality, size=size).first()
    return cell.price if cell else None


# --- Permissions -------------------------------------------------------------------------


def test_it_refuses_writes_to_members(member_client, seed_catalog, draft):
    responses = [
        member_client.post(LIST_URL, {}, format="json"),
        member_client.patch(detail_url(draft.pk), {"label": "Mine"}, format="json"),
        member_client.delete(detail_url(draft.pk)),
        member_client.post(publish_url(draft.pk)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    draft.refresh_from_db()
    assert draft.label == "Spring prices"
    assert draft.status == "draft"
    assert CatalogVersion.objects.count() == 2


def test_it_refuses_writes_to_anonymous_users(anon_client, draft):
    responses = [
        anon_client.post(LIST_URL, {}, format="json"),
        anon_client.patch(detail_url(draft.pk), {"label": "Mine"}, format="json"),
        anon_client.delete(detail_url(draft.pk)),
        anon_client.post(publish_url(draft.pk)),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    draft.refresh_from_db()
    assert draft.label == "Spring prices"


def test_it_does_not_allow_put(staff_client, draft):
    response = staff_client.put(detail_url(draft.pk), {"label": "Whole"}, format="json")

    assert response.status_code == 405


# --- Create --------------------------------------------------------------------------


def test_it_creates_an_empty_draft(staff_client, staff, db):
    response = staff_client.post(
        LIST_URL, {"label": "Autumn", "effective_from": "2026-12-01", "source": "Vendor page"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft"
    assert body["label"] == "Autumn"
    assert body["image_prices"] == []
    version = CatalogVersion.objects.get(pk=body["id"])
    assert version.effective_from == datetime.date(2026, 12, 1)
    assert version.source == "Vendor page"
    assert version.created_by == staff
    assert version.cloned_from is None


def test_it_creates_a_draft_with_defaults(staff_client, db):
    response = staff_client.post(LIST_URL, {}, format="json")

    assert response.status_code == 201
    version = CatalogVersion.objects.get(pk=response.json()["id"])
    assert version.label == "New draft"
    assert version.effective_from == datetime.date.today()


def test_it_clones_a_version_into_a_draft(staff_client, seed_catalog):
    response = staff_client.post(LIST_URL, {"clone_from": seed_catalog.pk}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["cloned_from"] == seed_catalog.pk
    assert body["label"] == "OpenAI 2026-03-27 (draft)"
    assert len(body["image_prices"]) == 27
    assert len(body["rate_limits"]) == 12
    draft = CatalogVersion.objects.get(pk=body["id"])
    assert ImagePrice.objects.filter(version=draft).count() == 27
    assert TokenRate.objects.filter(version=draft).count() == 15


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"clone_from": 999_999}, "clone_from"),
        ({"clone_from": "seed"}, "clone_from"),
        ({"clone_from": True}, "clone_from"),
        ({"clone_from": 10**30}, "clone_from"),
        ({"effective_from": "2026-02-30"}, "effective_from"),
        ({"label": ""}, "label"),
        ({"label": "x" * 201}, "label"),
    ],
)
def test_it_rejects_a_bad_new_draft(staff_client, seed_catalog, body, field):
    response = staff_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert CatalogVersion.objects.count() == 1


# --- Edit ----------------------------------------------------------------------------


def test_it_edits_a_draft(staff_client, draft):
    response = staff_client.patch(
        detail_url(draft.pk),
        {
            "label": "Spring prices v2",
            "effective_from": "2026-12-01",
            "source": "",
            "image_prices": [
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "0.0045"},
                {"model": "gpt-image-1", "quality": "high", "size": "1536x1024", "price": None},
            ],
            "token_rates": [{"model": "gpt-image-1.5", "kind": "text_input", "per_million": 4.5}],
            "batch_discounts": [{"model": "gpt-image-1", "discount": None}],
            "rate_limits": [
                {"model": "gpt-image-1.5", "tier": "tier1", "supported": True, "ipm": 5},
                {"model": "gpt-image-1-mini", "tier": "free", "supported": None},
            ],
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "Spring prices v2"
    assert {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "0.0045"} in body[
        "image_prices"
    ]
    assert len(body["image_prices"]) == 26
    draft.refresh_from_db()
    assert draft.label == "Spring prices v2"
    assert draft.effective_from == datetime.date(2026, 12, 1)
    assert draft.source == ""
    assert price(draft, "gpt-image-1-mini", "low", "1024x1024") == Decimal("0.0045")
    assert price(draft, "gpt-image-1", "high", "1536x1024") is None
    assert TokenRate.objects.get(
        version=draft, model__slug="gpt-image-1.5", kind="text_input"
    ).per_million == (Decimal("4.5"))
    assert not BatchDiscount.objects.filter(version=draft, model__slug="gpt-image-1").exists()
    new_row = RateLimit.objects.get(version=draft, model__slug="gpt-image-1.5", tier="tier1")
    assert (new_row.supported, new_row.tpm, new_row.ipm) == (True, None, 5)
    assert not RateLimit.objects.filter(version=draft, model__slug="gpt-image-1-mini", tier="free").exists()


def test_it_leaves_the_published_version_alone_when_editing_its_clone(staff_client, seed_catalog, draft):
    response = staff_client.patch(
        detail_url(draft.pk),
        {
            "image_prices": [
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "9"}
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    assert price(seed_catalog, "gpt-image-1-mini", "low", "1024x1024") == Decimal("0.005")


def test_it_answers_409_when_editing_a_published_version(staff_client, seed_catalog):
    response = staff_client.patch(
        detail_url(seed_catalog.pk),
        {
            "label": "Changed",
            "image_prices": [
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "1"}
            ],
        },
        format="json",
    )

    assert response.status_code == 409
    assert "published" in response.json()["detail"]
    seed_catalog.refresh_from_db()
    assert seed_catalog.label == "OpenAI 2026-03-27"
    assert price(seed_catalog, "gpt-image-1-mini", "low", "1024x1024") == Decimal("0.005")


def test_it_answers_404_when_editing_a_missing_version(staff_client, db):
    response = staff_client.patch(detail_url(999_999), {"label": "x"}, format="json")

    assert response.status_code == 404


MINI = "gpt-image-1-mini"


def image_price(**overrides):
    return {"model": MINI, "quality": "low", "size": "1024x1024", "price": "0.01", **overrides}


def token_rate(**overrides):
    return {"model": MINI, "kind": "text_input", "per_million": "1", **overrides}


def rate_limit(**overrides):
    return {"model": MINI, "tier": "tier1", "supported": True, **overrides}


PLACES_6 = "Ensure that there are no more than 6 decimal places."
PLACES_4 = "Ensure that there are no more than 4 decimal places."
WHOLE_6 = "Ensure that there are no more than 6 digits before the decimal point."
DIGITS_12 = "Ensure that there are no more than 12 digits in total."
NOT_A_NUMBER = "A valid number is required."
NOT_NEGATIVE = "Ensure this value is greater than or equal to 0."


@pytest.mark.parametrize(
    ("section", "row", "field", "message"),
    [
        ("image_prices", image_price(model="dall-e-9"), "model", "Unknown model 'dall-e-9'."),
        ("image_prices", image_price(quality="ultra"), "quality", '"ultra" is not a valid choice.'),
        ("image_prices", image_price(size="512x512"), "size", '"512x512" is not a valid choice.'),
        ("image_prices", image_price(price="-0.01"), "price", NOT_NEGATIVE),
        ("image_prices", image_price(price="0.0000001"), "price", PLACES_6),
        ("image_prices", image_price(price="1234567.1"), "price", WHOLE_6),
        ("image_prices", image_price(price="1e100"), "price", DIGITS_12),
        ("image_prices", image_price(price="cheap"), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price="NaN"), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price="Infinity"), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price="-inf"), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price=""), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price=True), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price=[1]), "price", NOT_A_NUMBER),
        ("image_prices", image_price(price="1" * 2000), "price", "String value too large."),
        (
            "image_prices",
            {"model": MINI, "quality": "low", "size": "1024x1024"},
            "price",
            "This field is required.",
        ),
        ("token_rates", token_rate(kind="audio_output"), "kind", '"audio_output" is not a valid choice.'),
        ("token_rates", token_rate(model=""), "model", "This field may not be blank."),
        ("token_rates", token_rate(per_million="-1"), "per_million", NOT_NEGATIVE),
        ("token_rates", token_rate(per_million=1e300), "per_million", DIGITS_12),
        (
            "batch_discounts",
            {"model": MINI, "discount": "1.5"},
            "discount",
            "Ensure this value is less than or equal to 1.",
        ),
        ("batch_discounts", {"model": MINI, "discount": "-0.1"}, "discount", NOT_NEGATIVE),
        ("batch_discounts", {"model": MINI, "discount": "0.12345"}, "discount", PLACES_4),
        ("rate_limits", rate_limit(tier="tier9"), "tier", '"tier9" is not a valid choice.'),
        ("rate_limits", rate_limit(tpm=-1), "tpm", NOT_NEGATIVE),
        (
            "rate_limits",
            rate_limit(tpm=2**64),
            "tpm",
            "Ensure this value is less than or equal to 9223372036854775807.",
        ),
        (
            "rate_limits",
            rate_limit(ipm=2**31),
            "ipm",
            "Ensure this value is less than or equal to 2147483647.",
        ),
        ("rate_limits", rate_limit(ipm=2.5), "ipm", "A valid integer is required."),
        ("rate_limits", rate_limit(ipm="many"), "ipm", "A valid integer is required."),
        ("rate_limits", rate_limit(supported="maybe"), "supported", "Must be a valid boolean."),
        ("rate_limits", {"model": MINI, "tier": "tier1"}, "supported", "This field is required."),
        (
            "rate_limits",
            rate_limit(supported=None, ipm=5),
            "ipm",
            "Must be null when supported is null (the row is removed).",
        ),
    ],
)
def test_it_rejects_a_bad_cell_naming_the_field(staff_client, draft, section, row, field, message):
    response = staff_client.patch(detail_url(draft.pk), {section: [row]}, format="json")

    assert response.status_code == 400
    assert response.json() == {section: {"0": {field: [message]}}}
    assert price(draft, MINI, "low", "1024x1024") == Decimal("0.005")


def test_it_changes_nothing_when_one_cell_of_many_is_bad(staff_client, draft):
    response = staff_client.patch(
        detail_url(draft.pk),
        {
            "label": "Half",
            "image_prices": [image_price(price="0.02"), image_price(size="1024x1536", price="-1")],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"image_prices": {"1": {"price": [NOT_NEGATIVE]}}}
    draft.refresh_from_db()
    assert draft.label == "Spring prices"
    assert price(draft, MINI, "low", "1024x1024") == Decimal("0.005")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"image_prices": [image_price(), image_price(price="0.02")]},
            {
                "image_prices": {
                    "1": {
                        "non_field_errors": ["Duplicate cell gpt-image-1-mini low 1024x1024: list it once."]
                    }
                }
            },
        ),
        (
            {"token_rates": [token_rate(), token_rate(model="gpt-image-1"), token_rate(per_million=None)]},
            {
                "token_rates": {
                    "2": {"non_field_errors": ["Duplicate cell gpt-image-1-mini text_input: list it once."]}
                }
            },
        ),
        (
            {"batch_discounts": [{"model": MINI, "discount": "0.5"}, {"model": MINI, "discount": None}]},
            {
                "batch_discounts": {
                    "1": {"non_field_errors": ["Duplicate cell gpt-image-1-mini: list it once."]}
                }
            },
        ),
        (
            {"rate_limits": [rate_limit(), rate_limit(supported=False)]},
            {
                "rate_limits": {
                    "1": {"non_field_errors": ["Duplicate cell gpt-image-1-mini tier1: list it once."]}
                }
            },
        ),
        (
            {"image_prices": "all of them"},
            {"image_prices": {"non_field_errors": ['Expected a list of items but got type "str".']}},
        ),
        (
            {"image_prices": ["x"]},
            {
                "image_prices": {
                    "0": {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}
                }
            },
        ),
        ({"image_prices": None}, {"image_prices": ["This field may not be null."]}),
        ({"label": ""}, {"label": ["This field may not be blank."]}),
        ({"label": None}, {"label": ["This field may not be null."]}),
        (
            {"effective_from": "2026-13-01"},
            {"effective_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
    ],
)
def test_it_rejects_a_bad_request_naming_the_field(staff_client, draft, body, errors):
    before = ImagePrice.objects.filter(version=draft).count()

    response = staff_client.patch(detail_url(draft.pk), {**body, "source": "changed"}, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    draft.refresh_from_db()
    assert draft.label == "Spring prices"
    assert draft.source != "changed"
    assert ImagePrice.objects.filter(version=draft).count() == before
    assert price(draft, MINI, "low", "1024x1024") == Decimal("0.005")


def test_it_rejects_nan_and_infinity_as_json_numbers(staff_client, draft):
    for literal in ("NaN", "Infinity", "-Infinity"):
        response = staff_client.generic(
            "PATCH",
            detail_url(draft.pk),
            '{"image_prices": [{"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", '
            f'"price": {literal}}}]}}',
            content_type="application/json",
        )

        assert response.status_code == 400, literal
    assert price(draft, MINI, "low", "1024x1024") == Decimal("0.005")


def test_it_rejects_a_body_that_is_not_an_object(staff_client, draft):
    response = staff_client.patch(detail_url(draft.pk), [1, 2], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_it_accepts_trailing_zeros_beyond_the_stored_places_without_rounding(staff_client, draft):
    response = staff_client.patch(
        detail_url(draft.pk),
        {"image_prices": [image_price(price="0.012300000"), image_price(size="1024x1536", price="1e2")]},
        format="json",
    )

    assert response.status_code == 200
    assert price(draft, MINI, "low", "1024x1024") == Decimal("0.0123")
    assert price(draft, MINI, "low", "1024x1536") == Decimal("100")


def test_it_keeps_the_largest_and_smallest_prices_exactly(staff_client, draft):
    response = staff_client.patch(
        detail_url(draft.pk),
        {"image_prices": [image_price(price="999999.999999"), image_price(size="1024x1536", price=0.000001)]},
        format="json",
    )

    assert response.status_code == 200
    cells = response.json()["image_prices"]
    prices = {c["size"]: c["price"] for c in cells if c["model"] == MINI and c["quality"] == "low"}
    assert prices["1024x1024"] == "999999.999999"
    assert prices["1024x1536"] == "0.000001"
    assert price(draft, MINI, "low", "1024x1024") == Decimal("999999.999999")


def test_it_edits_many_cells_in_a_constant_number_of_queries(
    staff_client, draft, django_assert_max_num_queries
):
    few = {"image_prices": [image_price(price="0.02")]}
    many = {
        "image_prices": [
            image_price(model=model, quality=quality, size=size, price="0.03")
            for model in ("gpt-image-1-mini", "gpt-image-1.5", "gpt-image-1")
            for quality in ("low", "medium", "high")
            for size in ("1024x1024", "1024x1536", "1536x1024")
        ]
    }

    with django_assert_max_num_queries(30) as first:
        assert staff_client.patch(detail_url(draft.pk), few, format="json").status_code == 200
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = staff_client.patch(detail_url(draft.pk), many, format="json")

    assert response.status_code == 200
    assert set(ImagePrice.objects.filter(version=draft).values_list("price", flat=True)) == {Decimal("0.03")}


# --- Delete --------------------------------------------------------------------------


def test_it_deletes_a_draft(staff_client, seed_catalog, draft):
    response = staff_client.delete(detail_url(draft.pk))

    assert response.status_code == 204
    assert not CatalogVersion.objects.filter(pk=draft.pk).exists()
    assert not ImagePrice.objects.filter(version_id=draft.pk).exists()
    assert ImagePrice.objects.filter(version=seed_catalog).count() == 27


def test_it_answers_409_when_deleting_a_published_version(staff_client, seed_catalog):
    response = staff_client.delete(detail_url(seed_catalog.pk))

    assert response.status_code == 409
    assert CatalogVersion.objects.filter(pk=seed_catalog.pk).exists()
    assert ImagePrice.objects.filter(version=seed_catalog).count() == 27


# --- Publish -------------------------------------------------------------------------


def test_it_publishes_a_draft_and_queues_the_recompute_on_commit(
    staff_client, staff, draft, django_capture_on_commit_callbacks, monkeypatch
):
    from catalog import tasks

    queued = []
    monkeypatch.setattr(
        tasks.catalog_version_published, "delay", lambda version_id: queued.append(version_id)
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(publish_url(draft.pk))

    assert response.status_code == 200
    assert response.json()["status"] == "published"
    assert response.json()["published_by"] == "stella"
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_by == staff
    assert draft.published_at is not None
    assert len(callbacks) == 1
    assert queued == []  # nothing leaves before the commit
    callbacks[0]()
    assert queued == [draft.pk]


def test_it_runs_the_published_task_which_sends_the_signal(
    staff_client, draft, django_capture_on_commit_callbacks
):
    from catalog import signals

    received = []

    def receiver(sender, version_id, **kwargs):
        received.append(version_id)

    signals.catalog_version_published.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(publish_url(draft.pk))
    finally:
        signals.catalog_version_published.disconnect(receiver)

    assert response.status_code == 200
    assert received == [draft.pk]


def test_it_answers_409_when_publishing_twice(staff_client, seed_catalog, django_capture_on_commit_callbacks):
    published_at = seed_catalog.published_at

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(publish_url(seed_catalog.pk))

    assert response.status_code == 409
    seed_catalog.refresh_from_db()
    assert seed_catalog.published_at == published_at
    assert callbacks == []


def test_it_refuses_to_publish_a_draft_without_image_prices(
    staff_client, db, django_capture_on_commit_callbacks
):
    empty = CatalogVersionFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(publish_url(empty.pk))

    assert response.status_code == 400
    assert list(response.json()) == ["image_prices"]
    empty.refresh_from_db()
    assert empty.status == "draft"
    assert callbacks == []


def test_it_answers_404_when_publishing_a_missing_version(staff_client, db):
    response = staff_client.post(publish_url(999_999))

    assert response.status_code == 404
