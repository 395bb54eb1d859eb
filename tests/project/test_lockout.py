"""Sign-in is protected against password guessing (django-axes)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("guessed", password="the-right-password-42")


def _sign_in(client, password, address="203.0.113.7"):
    return client.post("/accounts/login/", {"username": "guessed", "password": password}, REMOTE_ADDR=address)


def test_it_locks_a_username_out_of_an_address_after_five_wrong_passwords(client, user, settings):
    wrong = [_sign_in(client, f"guess-{n}") for n in range(5)]
    right_but_locked = _sign_in(client, "the-right-password-42")

    assert [r.status_code for r in wrong[:4]] == [200] * 4  # the form again, with its error
    assert right_but_locked.status_code == 429
    assert "Too many sign-in attempts" in right_but_locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_address_can_still_sign_in(client, user):
    for n in range(5):
        _sign_in(client, f"guess-{n}")

    elsewhere = _sign_in(client, "the-right-password-42", address="198.51.100.9")

    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_success_clears_the_count(client, user):
    for n in range(3):
        _sign_in(client, f"guess-{n}")

    assert _sign_in(client, "the-right-password-42").status_code == 302
    assert not AccessAttempt.objects.filter(username="guessed").exists()


def test_the_admin_sign_in_is_protected_too(client, user):
    for n in range(5):
        client.post(
            "/admin/login/", {"username": "guessed", "password": f"guess-{n}"}, REMOTE_ADDR="203.0.113.8"
        )

    locked = client.post(
        "/admin/login/",
        {"username": "guessed", "password": "the-right-password-42"},
        REMOTE_ADDR="203.0.113.8",
    )

    assert locked.status_code == 429
