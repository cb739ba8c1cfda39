"""Health, status, metrics and the OpenAPI document."""

from __future__ import annotations

import time

from tests.api.conftest import Api, jpeg


def test_healthz_needs_no_key(api: Api) -> None:
    r = api.client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_status_reports_the_matcher(api: Api) -> None:
    api.bank("known", [jpeg(1), jpeg(2)])
    assert api.client.get("/v1/status").status_code == 401
    body = api.client.get("/v1/status", headers=api.key("scan")).json()
    assert body["matcher"]["banks"] == ["known"]
    assert body["matcher"]["signals"] == 6  # pdq, md5, sha256 of each
    assert body["healthy"] is True


def test_bank_changes_reach_the_running_matcher_without_a_restart(api: Api) -> None:
    h = api.key("scan")
    data = jpeg(3)
    assert api.scan(data, h).json()["decision"] == "allow"
    api.services.banks.create_bank("late")
    from childsafe.scan.hashing import banked_signals, hash_bytes

    signals, _ = banked_signals(hash_bytes(data, api.services.registry), (), 0)
    api.services.banks.add_entry("late", signals)
    deadline = time.monotonic() + 5
    while api.scan(data, h).json()["decision"] != "block":
        assert time.monotonic() < deadline, "bank change not seen within 5 s"
        time.sleep(0.05)


def test_metrics_count_scans_and_need_a_key(api: Api) -> None:
    h = api.key("scan")
    api.bank("known", [jpeg(4)])
    api.scan(jpeg(4), h)
    api.scan(jpeg(5), h)
    api.scan(b"nope", h)
    assert api.client.get("/metrics").status_code == 401
    text = api.client.get("/metrics", headers=h).text
    assert 'childsafe_scans_total{decision="block",source="upload"} 1.0' in text
    assert 'childsafe_scans_total{decision="allow",source="upload"} 1.0' in text
    assert 'childsafe_scan_errors_total{reason="not_an_image"} 1.0' in text
    assert "childsafe_scan_latency_seconds_bucket" in text
    assert "childsafe_matcher_signals 3.0" in text
    assert 'route="/v1/scan"' in text


def test_metrics_can_be_opened_by_the_operator(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(metrics_public=True)
    assert api.client.get("/metrics").status_code == 200


def test_openapi_documents_the_scan_bodies_and_bearer_auth(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    scan = doc["paths"]["/v1/scan"]["post"]
    assert set(scan["requestBody"]["content"]) == {"multipart/form-data", "application/json"}
    assert "ScanOut" in doc["components"]["schemas"]
    assert "HTTPBearer" in doc["components"]["securitySchemes"]


def test_unknown_route_has_the_error_shape(api: Api) -> None:
    r = api.client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
