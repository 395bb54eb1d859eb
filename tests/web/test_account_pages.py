"""The account page (API token) and the password change and reset pages."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.budgets.factories import UserFactory

PASSWORD = "a-long-secret-9"


@pytest.fixture
def user(db):
    user = UserFactory(username="mia")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def test_it_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("account"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('account')}"
    assert client.post(reverse("account"), {"action": "create-token"}).status_code == 302
    assert not Token.objects.exists()


def test_the_account_page_is_linked_from_the_navigation(user_client):
    response = user_client.get(reverse("account"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Your account</h1>" in html
    assert f'<a href="{reverse("account")}" aria-current="page">mia</a>' in html
    assert f'href="{reverse("password_change")}">Change your password</a>' in html
    assert "You have no API token. Create one to use the API from scripts." in text(response)
    assert '<button type="submit">Create token</button>' in html
    assert "Revoke token" not in html


def test_it_creates_a_token_and_shows_it_in_full_only_once(user_client, user):
    response = user_client.post(reverse("account"), {"action": "create-token"})

    assert response.status_code == 200
    token = Token.objects.get(user=user)
    assert token.key in response.content.decode()
    assert "Copy it now: it is not shown in full again." in text(response)
    assert "no-store" in response["Cache-Control"]
    again = user_client.get(reverse("account"))
    assert token.key not in again.content.decode()
    assert f"Your token starts with {token.key[:6]}…" in text(again)
    assert ">Revoke token</button>" in again.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/teams/").status_code == 200


def test_it_keeps_an_existing_token_when_asked_for_another(user_client, user):
    token = Token.objects.create(user=user)

    response = user_client.post(reverse("account"), {"action": "create-token"})

    assert response.status_code == 302
    assert Token.objects.get(user=user).key == token.key
    page = user_client.get(reverse("account"))
    assert "You already have a token: revoke it first to create a new one." in text(page)
    assert token.key not in page.content.decode()


def test_it_revokes_the_token(user_client, user):
    token = Token.objects.create(user=user)

    response = user_client.post(reverse("account"), {"action": "revoke-token"})

    assert response.status_code == 302
    assert not Token.objects.filter(user=user).exists()
    assert "Token revoked" in text(user_client.get(reverse("account")))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/teams/").status_code == 401


def test_revoking_touches_only_the_users_own_token(user_client, user):
    other = Token.objects.create(user=UserFactory(username="oscar"))

    user_client.post(reverse("account"), {"action": "revoke-token"})

    assert Token.objects.filter(pk=other.pk).exists()
    assert "You had no token to revoke." in text(user_client.get(reverse("account")))


def test_it_refuses_an_unknown_action(user_client):
    assert user_client.post(reverse("account"), {"action": "steal"}).status_code == 400


# --- Passwords ---------------------------------------------------------------------------------------


def test_the_password_change_page_uses_the_sites_layout(user_client):
    response = user_client.get(reverse("password_change"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Change your password</h1>" in html
    assert '<nav aria-label="Main">' in html
    assert '<label for="id_old_password">Old password</label>' in html
    assert '<button type="submit">Change password</button>' in html


def test_it_changes_the_password(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-secret-42",
            "new_password2": "another-secret-42",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("another-secret-42")
    assert "<h1>Password changed</h1>" in user_client.get(reverse("password_change_done")).content.decode()


def test_it_shows_password_change_errors_in_place(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "another-secret-42", "new_password2": "another-secret-42"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert '<ul class="errorlist" id="id_old_password_error">' in html
    assert 'aria-invalid="true"' in html
    assert 'href="#id_old_password"' in html


def test_the_sign_in_page_links_to_the_password_reset(client, db):
    html = client.get(reverse("login")).content.decode()

    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in html


def test_a_password_reset_sends_an_email_with_a_link_that_works(client, user):
    form = client.get(reverse("password_reset"))
    assert "<h1>Reset your password</h1>" in form.content.decode()
    assert '<button type="submit">Send reset link</button>' in form.content.decode()

    response = client.post(reverse("password_reset"), {"email": "mia@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert "<h1>Check your email</h1>" in client.get(reverse("password_reset_done")).content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["mia@example.com"]
    assert email.subject == "Reset your Spendlane password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", email.body).group(1)

    confirm = client.get(link, follow=True)
    assert "<h1>Choose a new password</h1>" in confirm.content.decode()
    set_url = confirm.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "a-fresh-secret-7", "new_password2": "a-fresh-secret-7"})
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    assert "<h1>Password reset</h1>" in client.get(reverse("password_reset_complete")).content.decode()
    assert get_user_model().objects.get(pk=user.pk).check_password("a-fresh-secret-7")


def test_a_used_reset_link_says_it_is_no_longer_valid(client, user):
    client.post(reverse("password_reset"), {"email": "mia@example.com"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    user.set_password("changed-meanwhile-1")
    user.save()

    response = client.get(link, follow=True)

    assert "<h1>Reset link not valid</h1>" in response.content.decode()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
