"""Factories of the catalog: draft versions and their cells."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from catalog.models import (
    BatchDiscount,
    CatalogVersion,
    ImageModel,
    ImagePrice,
    Provider,
    RateLimit,
    TokenRate,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider
        django_get_or_create = ("slug",)

    slug = "openai"
    name = "OpenAI"


class ImageModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImageModel
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"image-model-{n}")
    name = factory.LazyAttribute(lambda m: m.slug.replace("-", " ").title())
    provider = factory.SubFactory(ProviderFactory)
    role = "budget"


class CatalogVersionFactory(factory.django.DjangoModelFactory):
    """A draft; publish it with ``catalog_version_publish``."""

    class Meta:
        model = CatalogVersion

    label = factory.Sequence(lambda n: f"Draft {n}")
    source = "Tests."
    effective_from = datetime.date(2026, 5, 1)


class ImagePriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImagePrice

    version = factory.SubFactory(CatalogVersionFactory)
    model = factory.SubFactory(ImageModelFactory)
    quality = "low"
    size = "1024x1024"
    price = Decimal("0.005")


class TokenRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TokenRate

    version = factory.SubFactory(CatalogVersionFactory)
    model = factory.SubFactory(ImageModelFactory)
    kind = "text_input"
    per_million = Decimal("2.00")


class BatchDiscountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BatchDiscount

    version = factory.SubFactory(CatalogVersionFactory)
    model = factory.SubFactory(ImageModelFactory)
    discount = Decimal("0.5")


class RateLimitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateLimit

    version = factory.SubFactory(CatalogVersionFactory)
    model = factory.SubFactory(ImageModelFactory)
    tier = "tier1"
    supported = True
    tpm = 100_000
    ipm = 5
