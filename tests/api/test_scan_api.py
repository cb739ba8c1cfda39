"""``POST /v1/scan`` as a platform calls it: uploads, URLs, signals, and what gets recorded."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import select

from childsafe.store import Case, OutboxMessage, ScanRecord, unit_of_work
from tests.api.conftest import Api, jpeg
from tests.factories.hashes import flip_bits


def _recompressed(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data)).resize((360, 270))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=70)
    return buf.getvalue()


def test_upload_of_a_banked_image_is_blocked_and_unrelated_is_allowed(api: Api) -> None:
    known = jpeg(1)
    bank = api.bank("known", [known], labels=["B1"])
    h = api.key("scan")
    r = api.scan(_recompressed(known), h, content_id="post-1", user_id="u-9")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "block"
    assert body["content_id"] == "post-1"
    (m,) = [m for m in body["matches"] if m["signal_type"] == "pdq"]
    assert m["bank"] == "known" and m["action"] == "block"
    assert 0 <= m["distance"] <= 31
    assert m["labels"] == ["B1"]
    assert len(body["signals"]["pdq"]) == 64 and "sha256" in body["signals"]
    assert isinstance(body["scan_id"], int)
    assert bank.name == "known"

    other = api.scan(jpeg(2), h).json()
    assert other["decision"] == "allow" and other["matches"] == []


def test_scan_record_keeps_ids_signals_matches_and_no_content(api: Api) -> None:
    known = jpeg(3)
    api.bank("known", [known])
    h = api.key("scan")
    body = api.scan(
        known, h, content_id="c1", user_id="u1", metadata=json.dumps({"surface": "dm"})
    ).json()
    with unit_of_work(api.services.store.sessions, write=False) as s:
        row = s.get(ScanRecord, body["scan_id"])
        assert row is not None
        assert (row.content_id, row.user_id, row.source) == ("c1", "u1", "upload")
        assert row.meta == {"surface": "dm"}
        assert row.decision == "block"
        assert row.signals == body["signals"]
        assert row.matches == body["matches"]
        assert row.latency_ms > 0
        # only hashes: no column holds anything near the upload's size
        assert all(len(json.dumps(v, default=str)) < 2000 for v in row.__dict__.values())


def test_review_bank_opens_a_case(api: Api) -> None:
    known = jpeg(4)
    api.bank("suspect", [known], action="review")
    h = api.key("scan")
    body = api.scan(known, h, content_id="c2").json()
    assert body["decision"] == "review"
    with unit_of_work(api.services.store.sessions, write=False) as s:
        case = s.scalars(select(Case).where(Case.scan_id == body["scan_id"])).one()
        assert case.status == "open" and case.content_id == "c2"


def test_allowlist_suppresses_a_block_match(api: Api) -> None:
    logo = jpeg(5)
    api.bank("known", [logo])
    api.bank("our-logos", [logo], action="allow")
    body = api.scan(logo, api.key("scan")).json()
    assert body["decision"] == "allow"


def test_precomputed_signals(api: Api, rng) -> None:  # type: ignore[no-untyped-def]
    known = jpeg(6)
    api.bank("known", [known])
    h = api.key("scan")
    pdq = api.scan(known, h).json()["signals"]["pdq"]
    near = flip_bits(pdq, 8, rng)
    r = api.client.post("/v1/scan", json={"signals": {"pdq": near.upper()}}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decision"] == "block"
    assert body["matches"][0]["distance"] == 8
    assert body["signals"] == {"pdq": near}


def test_bad_signals_are_named(api: Api) -> None:
    h = api.key("scan")
    r = api.client.post("/v1/scan", json={"signals": {"pdq": "abc"}}, headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["reason"] == "invalid_signal"
    assert "64 hex" in r.json()["error"]["message"]
    r = api.client.post("/v1/scan", json={"signals": {"phash": "ab"}}, headers=h)
    assert r.json()["error"]["reason"] == "unknown_signal_type"
    assert "pdq" in r.json()["error"]["message"]
    r = api.client.post(
        "/v1/scan", json={"signals": {"pdq": "f" * 64}, "url": "https://x"}, headers=h
    )
    assert r.status_code == 422 and "exactly one" in r.json()["error"]["message"]


def test_unreadable_upload_is_refused_with_its_reason(api: Api) -> None:
    h = api.key("scan")
    r = api.scan(b"this is not an image", h)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "unreadable_media" and err["reason"] == "not_an_image"
    r = api.scan(jpeg(7)[:300], h)
    assert r.json()["error"]["reason"] == "truncated"


def test_upload_over_the_size_limit_is_413(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(max_file_bytes=10_000)
    h = api.key("scan")
    r = api.scan(jpeg(8, 800, 600) + b"\0" * 20_000, h)
    assert r.status_code == 413
    assert "10000 bytes" in r.json()["error"]["message"]


def test_missing_file_field_and_wrong_content_type(api: Api) -> None:
    h = api.key("scan")
    r = api.client.post("/v1/scan", files={"upload": ("a.jpg", jpeg(9))}, headers=h)
    assert r.status_code == 422 and "'file'" in r.json()["error"]["message"]
    r = api.client.post("/v1/scan", content=jpeg(9), headers={**h, "Content-Type": "image/jpeg"})
    assert r.status_code == 415
    r = api.scan(jpeg(9), h, metadata="[1, 2]")
    assert r.status_code == 422 and "metadata" in r.json()["error"]["message"]


def test_keys_are_required_and_scoped(api: Api) -> None:
    r = api.scan(jpeg(10), {})
    assert r.status_code == 401 and r.json()["error"]["code"] == "missing_key"
    assert r.headers["www-authenticate"] == "Bearer"
    r = api.scan(jpeg(10), {"Authorization": "Bearer cs_nope_nope"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_key"
    r = api.scan(jpeg(10), api.key("review"))
    assert r.status_code == 403 and "scan" in r.json()["error"]["message"]
    assert api.scan(jpeg(10), api.key("admin")).status_code == 200


def test_block_decision_queues_a_webhook_delivery(api: Api) -> None:
    from childsafe.actions import WebhookService

    WebhookService(api.services.store).create("sink", "https://hooks.example/cs", ["scan.block"])
    known = jpeg(11)
    api.bank("known", [known])
    body = api.scan(known, api.key("scan"), content_id="c3").json()
    with unit_of_work(api.services.store.sessions, write=False) as s:
        (msg,) = s.scalars(select(OutboxMessage)).all()
        assert msg.event == "scan.block"
        assert msg.payload["data"]["scan_id"] == body["scan_id"]
        assert msg.payload["data"]["content_id"] == "c3"


def test_record_mode_matches_skips_clean_scans(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(scan_records="matches")
    h = api.key("scan")
    assert api.scan(jpeg(12), h).json()["scan_id"] is None
    api.bank("known", [jpeg(13)])
    assert isinstance(api.scan(jpeg(13), h).json()["scan_id"], int)


def test_a_running_server_delivers_signed_webhooks_for_block_and_review(make_api) -> None:  # type: ignore[no-untyped-def]
    import time

    from childsafe.actions import WebhookService
    from tests.actions.receiver import running_receiver

    api = make_api(dispatch_webhooks=True)
    with running_receiver() as receiver:
        _, secret = WebhookService(api.services.store).create("platform", receiver.url)
        receiver.secret = secret
        api.bank("known", [jpeg(14)])
        api.bank("suspect", [jpeg(15)], action="review")
        h = api.key("scan")
        blocked = api.scan(jpeg(14), h, content_id="b1").json()
        reviewed = api.scan(jpeg(15), h, content_id="r1").json()
        api.scan(jpeg(16), h)  # allowed: no webhook
        deadline = time.monotonic() + 10
        while len(receiver.hits) < 3:
            assert time.monotonic() < deadline, [h.event for h in receiver.hits]
            time.sleep(0.05)
        time.sleep(0.2)
    by_event = {hit.event: hit for hit in receiver.hits}
    assert sorted(by_event) == ["case.opened", "scan.block", "scan.review"]
    assert all(hit.verified for hit in receiver.hits)
    assert by_event["scan.block"].json()["data"]["scan_id"] == blocked["scan_id"]
    assert by_event["scan.review"].json()["data"]["content_id"] == "r1"
    assert by_event["case.opened"].json()["data"]["scan_id"] == reviewed["scan_id"]


def test_scan_by_url_fetches_allowed_hosts_and_refuses_private_ones(make_api) -> None:  # type: ignore[no-untyped-def]
    from tests.api.test_hma_support import LOCAL_FETCH, image_server

    guarded = make_api(fetch_allowed_ports=[])  # the default policy for addresses: public only
    opened = make_api(**LOCAL_FETCH)  # an operator allowlisted the local network
    known = jpeg(17)
    opened.bank("known", [known])
    with image_server() as server:
        url = server.put("upload.jpg", known)
        r = guarded.client.post("/v1/scan", json={"url": url}, headers=guarded.key("scan"))
        assert r.status_code == 422
        err = r.json()["error"]
        assert err["code"] == "fetch_failed" and err["reason"] == "address_not_allowed"
        assert "loopback" in err["message"]

        h = opened.key("scan")
        r = opened.client.post("/v1/scan", json={"url": url, "content_id": "u1"}, headers=h)
        assert r.status_code == 200, r.text
        assert r.json()["decision"] == "block"
        r = opened.client.post("/v1/scan", json={"url": server.base + "/gone.jpg"}, headers=h)
        assert r.status_code == 502 and r.json()["error"]["reason"] == "http_status"
    with unit_of_work(opened.services.store.sessions, write=False) as s:
        assert s.scalars(select(ScanRecord.source)).all() == ["url"]


def test_a_failed_record_write_is_a_500_with_the_error_shape(api: Api, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The answer waits for its record: no decision is acknowledged that is not stored."""
    from childsafe.scan import records

    def broken(*_: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(records, "write_scan", broken)
    from fastapi.testclient import TestClient

    client = TestClient(api.client.app, raise_server_exceptions=False)  # same running app
    r = client.post("/v1/scan", files={"file": jpeg(18)}, headers=api.key("scan"))
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert "disk full" not in r.text


def test_a_revoked_key_stops_working_once_its_cached_check_expires(api: Api) -> None:
    import time

    api.services.key_checker.ttl_s = 0.2
    h = api.key("scan", name="to-revoke")
    assert api.scan(jpeg(19), h).status_code == 200
    api.services.keys.revoke("to-revoke")
    time.sleep(0.25)
    r = api.scan(jpeg(19), h)
    assert r.status_code == 401 and r.json()["error"]["code"] == "key_revoked"
