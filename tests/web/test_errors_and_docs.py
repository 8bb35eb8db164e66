"""Errors render one way per audience, and the API documents itself."""

from __future__ import annotations

from support.liner_app import LinerHarness


def test_an_unknown_api_path_answers_in_the_envelope(liner: LinerHarness) -> None:
    response = liner.client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json() == {
        "data": None,
        "error": {"code": "not_found", "message": "There is nothing here."},
    }


def test_a_wrong_method_on_the_api_answers_405_in_the_envelope(liner: LinerHarness) -> None:
    response = liner.client().put("/api/v1/me/music")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unknown_page_is_a_calm_html_404(liner: LinerHarness) -> None:
    response = liner.client().get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not found" in response.text
    assert "Traceback" not in response.text


def test_the_openapi_docs_describe_every_v1_route(liner: LinerHarness) -> None:
    client = liner.client()
    assert client.get("/api/docs").status_code == 200
    spec = client.get("/api/openapi.json").json()
    assert {"/api/v1/me", "/api/v1/me/music", "/api/v1/me/music/refresh"} <= set(spec["paths"])
    assert not any(path.startswith(("/auth", "/dashboard")) for path in spec["paths"])


def test_the_store_being_down_is_a_503_without_internals(liner: LinerHarness) -> None:
    client = liner.sign_in("maren")
    liner.services.table.items.close()  # type: ignore[attr-defined]
    response = client.get("/api/v1/me/music")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "store_unavailable"
    assert "sqlite" not in response.text.lower()
