from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView


class WhoAmI(APIView):
    """A view with the project's default authentication and permission classes."""

    def get(self, request):
        return Response({"username": request.user.get_username()})


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user(username="member", password="a-long-secret-9")


def test_it_renders_the_login_page(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sign in</h1>" in html
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'id="id_username"' in html
    assert 'id="id_password"' in html


def test_it_signs_a_user_in_and_out(client, member):
    response = client.post("/accounts/login/", {"username": "member", "password": "a-long-secret-9"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "<h1>Your teams</h1>" in home.content.decode()
    assert '<a href="/accounts/" >member</a>' in home.content.decode()

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_wrong_password(client, member):
    response = client.post("/accounts/login/", {"username": "member", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_drf_create_token_issues_a_token_the_api_accepts(member, capsys):
    call_command("drf_create_token", "member")

    token = Token.objects.get(user=member)
    assert token.key in capsys.readouterr().out
    factory = APIRequestFactory()
    response = WhoAmI.as_view()(factory.get("/whoami", HTTP_AUTHORIZATION=f"Token {token.key}"))
    assert response.status_code == 200
    assert response.data == {"username": "member"}


def test_the_api_refuses_a_missing_or_unknown_token(member):
    factory = APIRequestFactory()

    anonymous = WhoAmI.as_view()(factory.get("/whoami"))
    unknown = WhoAmI.as_view()(factory.get("/whoami", HTTP_AUTHORIZATION="Token not-a-key"))

    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert unknown.status_code == 401


def test_a_token_authenticates_a_request_to_the_api_schema(member):
    token = Token.objects.create(user=member)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response.wsgi_request.user == member


def test_the_readme_quote_example_works_with_a_token_from_drf_create_token(member, seed_catalog):
    call_command("drf_create_token", "member", stdout=StringIO())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=member).key}")

    response = client.post(
        "/api/v1/quote/",
        {"images_per_month": 10000, "size": "1024x1024", "quality": "medium"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["catalog_version"]["id"] == seed_catalog.pk
    assert response.json()["recommended"]
    assert APIClient().post("/api/v1/quote/", {}, format="json").status_code == 401
