import pytest
from rest_framework.test import APIClient

from catalog.services import catalog_version_draft_create
from tests.catalog.factories import StaffFactory, UserFactory


@pytest.fixture
def staff(db):
    return StaffFactory(username="stella")


@pytest.fixture
def member(db):
    return UserFactory(username="mel")


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def staff_client(staff):
    client = APIClient()
    client.force_authenticate(user=staff)
    return client


@pytest.fixture
def member_client(member):
    client = APIClient()
    client.force_authenticate(user=member)
    return client


@pytest.fixture
def draft(seed_catalog, staff):
    """A draft cloned from the seed catalog."""
    return catalog_version_draft_create(created_by=staff, clone_from=seed_catalog, label="Spring prices")
