"""A test that needs a missing service skips, saying so; under CI=true it fails instead."""

import pytest

import conftest


def test_it_skips_naming_the_service_outside_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", False)

    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"):
        conftest.need_service("Redis is not reachable")


def test_it_fails_naming_the_service_under_ci(monkeypatch):
    monkeypatch.setattr(conftest, "IN_CI", True)

    with pytest.raises(pytest.fail.Exception, match="CI=true but Redis is not reachable"):
        conftest.need_service("Redis is not reachable")


def test_the_redis_marker_applies_the_rule(monkeypatch, settings):
    class FakeNode:
        @staticmethod
        def get_closest_marker(name):
            return pytest.mark.redis.mark if name == "redis" else None

    class FakeRequest:
        node = FakeNode()

    settings.TEST_REDIS_URL = ""
    monkeypatch.setattr(conftest, "IN_CI", True)

    with pytest.raises(pytest.fail.Exception, match="CI=true but Redis is not reachable"):
        conftest._services_for_markers.__wrapped__(FakeRequest())
