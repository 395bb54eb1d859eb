"""Which versions are in force when, and their prices, read once for a whole period."""

import datetime

import pytest

from catalog.models import CatalogVersion
from catalog.selectors import catalog_timeline, catalog_version_pricing, catalog_versions_pricing
from catalog.services import catalog_version_draft_create, catalog_version_publish
from tests.catalog.factories import CatalogVersionFactory, ImageModelFactory, ImagePriceFactory

D = datetime.date


def published(effective_from: datetime.date, label: str) -> CatalogVersion:
    version = CatalogVersionFactory(label=label, effective_from=effective_from)
    ImagePriceFactory(version=version, model=ImageModelFactory(slug="gpt-image-1-mini"))
    return catalog_version_publish(version=version, published_by=None)


def labels(ranges) -> list[tuple[datetime.date, str]]:
    return [(day, version.label) for day, version in ranges]


def test_it_gives_each_day_to_the_latest_effective_version_and_a_tie_to_the_later_published(db):
    published(D(2026, 3, 1), "March")
    published(D(2026, 12, 16), "Mid-December")
    published(D(2026, 12, 16), "Mid-December, again")

    timeline = catalog_timeline(start=D(2026, 11, 1), end=D(2027, 1, 31))

    assert labels(timeline.in_force_during(start=D(2026, 11, 1), end=D(2026, 11, 30))) == [
        (D(2026, 11, 1), "March")
    ]
    assert labels(timeline.in_force_during(start=D(2026, 12, 1), end=D(2026, 12, 31))) == [
        (D(2026, 12, 1), "March"),
        (D(2026, 12, 16), "Mid-December, again"),
    ]
    assert labels(timeline.in_force_during(start=D(2027, 1, 1), end=D(2027, 1, 31))) == [
        (D(2027, 1, 1), "Mid-December, again")
    ]


def test_a_draft_assumed_published_wins_its_day(db):
    march = published(D(2026, 3, 1), "March")
    published(D(2026, 12, 1), "December")
    draft = catalog_version_draft_create(
        created_by=None, clone_from=march, label="Draft", effective_from=D(2026, 12, 1)
    )

    timeline = catalog_timeline(start=D(2026, 11, 1), end=D(2026, 12, 31), assume_published=draft)

    assert labels(timeline.in_force_during(start=D(2026, 11, 1), end=D(2026, 12, 31))) == [
        (D(2026, 11, 1), "March"),
        (D(2026, 12, 1), "Draft"),
    ]


def test_any_days_of_the_period_read_as_a_timeline_of_their_own_would(db):
    for n, day in enumerate([D(2026, 1, 1), D(2026, 11, 1), D(2026, 11, 15), D(2027, 2, 10), D(2027, 2, 10)]):
        published(day, f"v{n}")
    timeline = catalog_timeline(start=D(2026, 10, 1), end=D(2027, 3, 31))

    day = timeline.start
    while day <= timeline.end:
        for length in (0, 1, 14, 40):
            end = min(day + datetime.timedelta(days=length), timeline.end)
            fresh = catalog_timeline(start=day, end=end)
            assert timeline.in_force_during(start=day, end=end) == fresh.in_force_during(start=day, end=end)
        day += datetime.timedelta(days=9)


def test_it_refuses_days_outside_its_period(db):
    timeline = catalog_timeline(start=D(2026, 11, 1), end=D(2026, 11, 30))

    with pytest.raises(ValueError, match="outside"):
        timeline.in_force_during(start=D(2026, 10, 31), end=D(2026, 11, 30))
    with pytest.raises(ValueError, match="outside"):
        timeline.in_force_during(start=D(2026, 11, 1), end=D(2026, 12, 1))


def test_it_reads_the_timeline_in_two_queries(db, django_assert_num_queries):
    for n in range(10):
        published(D(2026, 11, 1) + datetime.timedelta(days=n), f"v{n}")

    with django_assert_num_queries(2):
        timeline = catalog_timeline(start=D(2026, 11, 1), end=D(2027, 10, 31))

    assert len(timeline.versions) == 10


def test_it_prices_several_versions_in_five_queries_as_one_at_a_time_would(
    seed_catalog, django_assert_num_queries
):
    wider = catalog_version_draft_create(created_by=None, clone_from=seed_catalog, label="Wider")
    ImagePriceFactory(version=wider, model=ImageModelFactory(slug="newcomer"))
    empty = CatalogVersionFactory(label="Empty")
    one_at_a_time = {
        version.pk: catalog_version_pricing(version=version) for version in (seed_catalog, wider, empty)
    }

    with django_assert_num_queries(5):
        together = catalog_versions_pricing(versions=[seed_catalog, wider, empty, wider])

    assert together == one_at_a_time
    assert list(together[wider.pk]) == ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "newcomer"]
    assert together[empty.pk] == {}


def test_it_prices_the_models_asked_for_even_those_a_version_does_not_list(seed_catalog):
    ImageModelFactory(slug="newcomer")

    pricings = catalog_versions_pricing(
        versions=[seed_catalog], models=["gpt-image-1-mini", "newcomer", "no-such-model"]
    )[seed_catalog.pk]

    assert list(pricings) == ["gpt-image-1-mini", "newcomer"]
    assert pricings["gpt-image-1-mini"] == catalog_version_pricing(version=seed_catalog)["gpt-image-1-mini"]
    assert (pricings["newcomer"].image_prices, pricings["newcomer"].rate_limits) == ({}, {})
