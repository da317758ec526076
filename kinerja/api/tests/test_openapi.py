"""The OpenAPI description stays at /api/v1/openapi.json and its docs page at /api/v1/docs,
for signed-in users; it describes both ways to authenticate."""

import pytest

pytestmark = pytest.mark.django_db


def test_description_and_docs_need_a_login_and_name_both_schemes(client, org):
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(org.staff_x.user)
    schema = client.get("/api/v1/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionAuth"]["in"] == "cookie"
    operation = schema["paths"]["/api/v1/rounds/{round_id}/forward"]["post"]
    assert operation["security"] == [{"TokenAuth": []}, {"SessionAuth": []}]
    assert schema["paths"]["/api/v1/auth/token"]["post"].get("security") is None
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "'unsafe-inline'" in docs["Content-Security-Policy"]
