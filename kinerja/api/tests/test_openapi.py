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


def test_the_catalogue_routes_and_the_recap_rows_targets_are_described():
    """The document names the catalogue's read routes, and says of each recap row which
    target it used (bounds, source, year) and how the indicator counts, so that a client
    generated from it can recompute the achievement (test_recompute_from_api.py)."""
    from kinerja.api.api import api

    schema = api.get_openapi_schema()
    for path in ("/api/v1/renstra-periods", "/api/v1/renstra-periods/{period_id}",
                 "/api/v1/indicators/{indicator_id}"):
        operation = schema["paths"][path]["get"]
        assert operation["tags"] == ["catalogue"]
        assert {"200", "401", "403"} <= {str(status) for status in operation["responses"]}
    assert "404" in {str(s) for s in
                     schema["paths"]["/api/v1/indicators/{indicator_id}"]["get"]["responses"]}
    components = schema["components"]["schemas"]
    row = components["RecapRowOut"]
    for name in ("target", "target_low", "target_high", "target_source", "target_year",
                 "polarity", "aggregation", "decimals"):
        assert name in row["required"], name
    assert row["properties"]["target_source"]["anyOf"][0] == {
        "$ref": "#/components/schemas/TargetSource"}
    assert components["TargetSource"]["enum"] == [
        "quarter", "pk", "renstra", "pk_pro_rata", "renstra_pro_rata"]
    indicator = components["IndicatorOut"]["properties"]
    assert {"polarity", "aggregation", "data_type", "decimals", "minimum", "maximum",
            "is_iku", "responsible_unit_id", "baseline", "targets"} <= set(indicator)
    target = components["YearTargetOut"]["properties"]
    assert {"year", "renstra_target", "renstra_target_max", "pk_target", "pk_target_max",
            "q1_target", "q2_target", "q3_target", "q4_target"} == set(target)
