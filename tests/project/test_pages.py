import re

import pytest


@pytest.mark.django_db
def test_the_home_page_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=/", 302)]
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html


@pytest.mark.django_db
def test_every_page_has_a_skip_link_a_labelled_nav_and_one_main(client):
    for path in ("/", "/accounts/login/", "/accounts/password_reset/"):
        html = client.get(path, follow=True).content.decode()

        assert '<a class="skip-link" href="#content">' in html, path
        assert '<nav aria-label="Main">' in html, path
        assert len(re.findall(r"<main\b", html)) == 1, path
        assert len(re.findall(r"<h1\b", html)) == 1, path


@pytest.mark.django_db
def test_the_api_docs_are_served_from_the_sidecar(client):
    docs = client.get("/api/docs/")
    schema = client.get("/api/schema/")

    assert docs.status_code == 200
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs.content.decode()
    assert schema.status_code == 200
    assert b"Spendlane API" in schema.content
