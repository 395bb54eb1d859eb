"""The OpenAPI schema served at /api/schema/ declares what the API answers (see also the
schemathesis run over it, test_api_schema_fuzz.py)."""

import pytest
from rest_framework.test import APIClient

ERROR = {"$ref": "#/components/schemas/Error"}
BAD_REQUEST = {"$ref": "#/components/schemas/BadRequest"}


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def body_schema(answer: dict) -> dict:
    return answer["content"]["application/json"]["schema"]


def test_every_operation_declares_its_errors_with_their_bodies(schema):
    for label, operation in operations(schema):
        answers = operation["responses"]
        assert body_schema(answers["401"]) == ERROR, label
        assert body_schema(answers["503"]) == ERROR, label
        assert "Retry-After" in answers["503"]["headers"], label
        if "400" in answers:
            assert body_schema(answers["400"]) == BAD_REQUEST, label
        for code in ("403", "404", "409", "415"):
            if code in answers:
                assert body_schema(answers[code]) == ERROR, (label, code)


def test_every_request_body_is_json_and_says_so(schema):
    for label, operation in operations(schema):
        if "requestBody" in operation:
            assert list(operation["requestBody"]["content"]) == ["application/json"], label
            assert "415" in operation["responses"], label


def test_a_list_declares_its_bad_and_missing_pages(schema):
    for label, operation in operations(schema):
        names = [p["name"] for p in operation.get("parameters", [])]
        if "page" in names:
            assert {"400", "404"} <= set(operation["responses"]), label


def test_field_errors_nest_like_the_input(schema):
    components = schema["components"]["schemas"]

    assert components["BadRequest"]["oneOf"] == [ERROR, {"$ref": "#/components/schemas/ValidationError"}]
    assert components["ValidationError"]["additionalProperties"] == {
        "$ref": "#/components/schemas/FieldErrors"
    }


def test_a_strict_body_refuses_other_fields_and_a_decimal_states_its_range(schema):
    components = schema["components"]["schemas"]
    plan = components["WorkloadPlanRequest"]

    assert plan["additionalProperties"] is False
    assert plan["properties"]["rejection_rate"]["pattern"] == (
        r"^(0(\.(9|95|950|9500|95000|950000|[0-8][0-9]{0,5}|9[0-4][0-9]{0,4})0*)?)$"
    )
    assert components["BudgetRequest"]["properties"]["thresholds"]["uniqueItems"] is True
    assert components["Team"]["properties"]["webhook_url"]["oneOf"][1] == {"type": "string", "enum": [""]}
