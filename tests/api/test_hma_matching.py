"""HMA 2.0's hasher (``/h``), matcher (``/m``), health (``/status``) and keys, called as HMA
clients call them. Each test names the HMA test (``OpenMediaMatch/tests/...``) or client whose
expectations it mirrors; where childsafe differs on purpose (docs/hma.md), the test says so.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from childsafe.scan.hashing import hash_bytes
from childsafe.scan.live import LiveStatus
from tests.api.conftest import Api, jpeg
from tests.api.test_hma_support import (
    LOCAL_FETCH,
    ImageServer,
    flip_bits,
    image_server,
    random_pdq,
)


@pytest.fixture
def srv() -> Iterator[ImageServer]:
    with image_server() as s:
        yield s


@pytest.fixture
def hma(make_api: Callable[..., Api]) -> Api:
    return make_api(**LOCAL_FETCH)


def signals_of(api: Api, data: bytes) -> dict[str, str]:
    return {n: s.value for n, s in hash_bytes(data, api.services.registry).signals.items()}


def photo(data: bytes, field: str = "photo") -> dict[str, Any]:
    """A multipart file the way HMA clients send it: the field is the content type."""
    return {field: ("upload.jpg", data, "image/jpeg")}


# -- hashing ------------------------------------------------------------------------------


def test_hash_an_uploaded_photo(hma: Api) -> None:
    # HMA blueprints/hashing.py hash_media_post; the Ruby gem's hash_file posts the file
    # under its content type ("photo").
    h, data = hma.key("scan"), jpeg(1)
    r = hma.client.post("/h/hash", files=photo(data), headers=h)
    assert r.status_code == 200
    assert r.json() == signals_of(hma, data)  # pdq, md5, sha256: one hashing path for all
    r = hma.client.post("/h/hash?types=pdq", files=photo(data), headers=h)
    assert r.json() == {"pdq": signals_of(hma, data)["pdq"]}  # HMA's photo answer exactly


def test_hash_the_content_at_a_url(hma: Api, srv: ImageServer) -> None:
    # HMA hash_media (GET /h/hash?url=); Coop calls it with the url alone and looks up every
    # signal type the answer holds.
    h, data = hma.key("scan"), jpeg(2)
    url = srv.put("a.jpg", data)
    r = hma.client.get("/h/hash", params={"url": url}, headers=h)
    assert r.status_code == 200 and r.json() == signals_of(hma, data)
    # Not image/* or video/*: HMA wants content_type, and takes it.
    odd = srv.put("a.bin", data, "application/octet-stream")
    r = hma.client.get("/h/hash", params={"url": odd}, headers=h)
    assert r.status_code == 400 and "content_type" in r.json()["message"]
    r = hma.client.get("/h/hash", params={"url": odd, "content_type": "photo"}, headers=h)
    assert r.json() == signals_of(hma, data)
    r = hma.client.get("/h/hash", params={"url": url, "content_type": "text"}, headers=h)
    assert r.status_code == 400
    r = hma.client.get("/h/hash", params={"url": url, "types": "tmk"}, headers=h)
    assert r.status_code == 400 and "tmk" in r.json()["message"]
    assert hma.client.get("/h/hash", headers=h).status_code == 422  # url is required


def test_a_video_gets_its_file_hashes_under_hma_names(hma: Api, srv: ImageServer) -> None:
    # HMA's video content type yields video_md5; childsafe decodes no video, so a video gets
    # the file hashes only (docs/hma.md: signal type names).
    h, data = hma.key("scan"), b"not really a video, but MD5 does not care"
    url = srv.put("v.mp4", data, "video/mp4")
    r = hma.client.get("/h/hash", params={"url": url}, headers=h)
    assert r.json() == {
        "video_md5": hashlib.md5(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    r2 = hma.client.post("/h/hash", files={"video": ("v.mp4", data, "video/mp4")}, headers=h)
    assert r2.json() == r.json()


def test_url_refusals_answer_as_hma(make_api: Callable[..., Api], srv: ImageServer) -> None:
    # HMA test_hashing.py test_content_length_validation (413) and its URL checks (400).
    hma = make_api(**LOCAL_FETCH, max_file_bytes=20_000)
    h = hma.key("scan")
    r = hma.client.get("/h/hash", params={"url": f"{srv.base}/missing.jpg"}, headers=h)
    assert r.status_code == 400 and r.json()["message"].startswith("Failed to fetch URL")
    r = hma.client.get("/h/hash", params={"url": "ftp://example.org/a.jpg"}, headers=h)
    assert r.status_code == 400 and "unsafe URL" in r.json()["message"]
    big = jpeg(3, 1200, 900)
    assert len(big) > 20_000
    r = hma.client.get("/h/hash", params={"url": srv.put("big.jpg", big)}, headers=h)
    assert r.status_code == 413 and r.json() == {"message": "Content too large"}


def test_the_ssrf_guard_stays_on(api: Api, srv: ImageServer) -> None:
    # childsafe on purpose: URLs go through the guarded fetcher; loopback is refused unless
    # an operator allowlists it (HMA fetches any host when ALLOWED_HOSTNAMES is empty).
    r = api.client.get(
        "/h/hash", params={"url": srv.put("a.jpg", jpeg(4))}, headers=api.key("scan")
    )
    assert r.status_code == 400 and "unsafe URL" in r.json()["message"]


# -- lookups ------------------------------------------------------------------------------


def test_lookup_by_signal(hma: Api, rng: random.Random) -> None:
    # HMA test_match_api.py test_lookups: bank name → [{bank_content_id, distance}], the
    # distance a string; `{}` when nothing matches (the Ruby gem's lookup_signal reads both).
    h, data = hma.key("scan"), jpeg(5)
    hma.bank("BANK_A", [data])
    [entry] = hma.services.banks.list_entries("BANK_A")
    sig = signals_of(hma, data)

    def lookup(signal: str, signal_type: str = "pdq") -> Any:
        r = hma.client.get(
            "/m/lookup", params={"signal": signal, "signal_type": signal_type}, headers=h
        )
        assert r.status_code == 200, r.text
        return r.json()

    assert lookup(sig["pdq"]) == {"BANK_A": [{"bank_content_id": entry.id, "distance": "0"}]}
    assert lookup(flip_bits(sig["pdq"], 7, rng)) == {
        "BANK_A": [{"bank_content_id": entry.id, "distance": "7"}]
    }
    assert lookup(random_pdq(rng)) == {}
    # Exact types answer distance "0" (HMA says "-", which the Ruby gem cannot read).
    assert lookup(sig["md5"], "md5") == {"BANK_A": [{"bank_content_id": entry.id, "distance": "0"}]}
    assert lookup(sig["md5"].upper(), "video_md5")["BANK_A"][0]["bank_content_id"] == entry.id
    assert lookup(sig["sha256"], "sha256")["BANK_A"][0]["distance"] == "0"


def test_lookup_and_raw_lookup_filter_by_bank(hma: Api) -> None:
    # HMA test_match_api.py test_lookup_with_bank_filter, test_raw_lookup_with_bank_filter and
    # test_raw_lookup_with_distance_and_bank_filter: the same content in three banks.
    h, data = hma.key("scan"), jpeg(6)
    for name in ("BANK_A", "BANK_B", "BANK_C"):
        hma.bank(name, [data])
    pdq = signals_of(hma, data)["pdq"]
    q = {"signal": pdq, "signal_type": "pdq"}

    def get(path: str, **extra: Any) -> Any:
        r = hma.client.get(path, params=q | extra, headers=h)
        assert r.status_code == 200, r.text
        return r.json()

    assert set(get("/m/lookup")) == {"BANK_A", "BANK_B", "BANK_C"}
    assert set(get("/m/lookup", banks="BANK_A")) == {"BANK_A"}
    assert set(get("/m/lookup", banks="BANK_A,BANK_C")) == {"BANK_A", "BANK_C"}
    assert get("/m/lookup", banks="NON_EXISTENT_BANK") == {}
    assert len(get("/m/raw_lookup")["matches"]) == 3
    assert all(isinstance(m, int) for m in get("/m/raw_lookup")["matches"])
    assert len(get("/m/raw_lookup", banks="BANK_A")["matches"]) == 1
    assert len(get("/m/raw_lookup", banks="BANK_A,BANK_B")["matches"]) == 2
    assert get("/m/raw_lookup", banks="NON_EXISTENT_BANK") == {"matches": []}
    with_distance = get("/m/raw_lookup", banks="BANK_A,BANK_B", include_distance="true")
    assert [set(m) for m in with_distance["matches"]] == [{"bank_content_id", "distance"}] * 2
    assert {m["distance"] for m in with_distance["matches"]} == {"0"}


def test_lookup_by_url_and_by_upload(hma: Api, srv: ImageServer) -> None:
    # HMA test_api.py test_lookup_success (GET ?url= and POST with field "photo"); answers are
    # keyed by signal type, then by bank, as the Ruby gem's LookupResult reads them.
    h, data = hma.key("scan"), jpeg(7)
    hma.bank("KNOWN", [data])
    [entry] = hma.services.banks.list_entries("KNOWN")
    hit = {"KNOWN": [{"bank_content_id": entry.id, "distance": "0"}]}
    url = srv.put("known.jpg", data)
    r = hma.client.get("/m/lookup", params={"url": url}, headers=h)
    assert r.status_code == 200 and r.json() == {"pdq": hit, "md5": hit, "sha256": hit}
    r = hma.client.get("/m/lookup", params={"url": url, "signal_type": "pdq"}, headers=h)
    assert r.json() == hit  # HMA narrows a URL lookup to one type's banks
    r = hma.client.get("/m/lookup", params={"url": url, "types": "pdq"}, headers=h)
    assert r.json() == {"pdq": hit}
    r = hma.client.post("/m/lookup", files=photo(data), headers=h)
    assert r.status_code == 200 and r.json() == {"pdq": hit, "md5": hit, "sha256": hit}
    r = hma.client.post("/m/lookup", files=photo(jpeg(8)), headers=h)
    assert r.json() == {"pdq": {}, "md5": {}, "sha256": {}}


def test_lookup_errors_answer_as_hma(hma: Api) -> None:
    # HMA blueprints/matching.py: 400 with {"message"} for a missing or bad signal; flask-
    # openapi3's 422 for a missing required query parameter.
    h = hma.key("scan")
    r = hma.client.get("/m/lookup", headers=h)
    assert r.status_code == 400
    assert r.json() == {"message": "Either url or both signal and signal_type are required"}
    r = hma.client.get("/m/lookup", params={"signal": "ab", "signal_type": "tmk"}, headers=h)
    assert r.status_code == 400 and r.json() == {"message": "No such SignalType 'tmk'"}
    r = hma.client.get("/m/lookup", params={"signal": "zz", "signal_type": "pdq"}, headers=h)
    assert r.status_code == 400 and r.json()["message"].startswith("invalid signal")
    assert (
        hma.client.get("/m/raw_lookup", params={"signal_type": "pdq"}, headers=h).status_code == 422
    )
    r = hma.client.post("/m/lookup", headers=h)
    assert r.status_code == 400 and r.json() == {
        "message": "Missing multipart/form-data file upload"
    }
    two = [("photo", ("a.jpg", jpeg(1), "image/jpeg")), ("photo", ("b.jpg", jpeg(2), "image/jpeg"))]
    r = hma.client.post("/m/lookup", files=two, headers=h)
    assert r.status_code == 400 and r.json() == {"message": "Only one file allowed per request"}
    r = hma.client.post("/m/lookup", files=photo(jpeg(1), field="file"), headers=h)
    assert r.status_code == 400 and r.json() == {"message": "no such content_type: 'file'"}
    r = hma.client.post("/m/lookup", files=photo(b"not an image"), headers=h)
    assert r.status_code == 400 and "could not hash" in r.json()["message"]


def test_bank_thresholds_apply_to_lookups(hma: Api, rng: random.Random) -> None:
    # childsafe behaviour HMA lacks: a bank's own PDQ threshold (HMA: one index threshold).
    h, data = hma.key("scan"), jpeg(9)
    hma.bank("STRICT", [data], threshold=4)
    pdq = signals_of(hma, data)["pdq"]
    near, far = flip_bits(pdq, 3, rng), flip_bits(pdq, 5, rng)
    get = lambda s: hma.client.get(  # noqa: E731
        "/m/lookup", params={"signal": s, "signal_type": "pdq"}, headers=h
    ).json()
    assert get(near)["STRICT"][0]["distance"] == "3"
    assert get(far) == {}


def test_compare(hma: Api, rng: random.Random) -> None:
    # HMA test_api.py test_compare_hashes, with hashes made here: [match, {"distance": n}],
    # and 400 for each of HMA's malformed inputs.
    h = hma.key("scan")
    a = random_pdq(rng)
    b = flip_bits(a, 9, rng)
    r = hma.client.post("/m/compare", json={"pdq": [a, b]}, headers=h)
    assert r.status_code == 200 and r.json() == {"pdq": [True, {"distance": 9}]}
    r = hma.client.post("/m/compare", json={"pdq": [a, flip_bits(a, 40, rng)]}, headers=h)
    assert r.json() == {"pdq": [False, {"distance": 40}]}
    m = "0" * 32
    r = hma.client.post("/m/compare", json={"video_md5": [m, m], "md5": [m, "1" * 32]}, headers=h)
    assert r.json() == {"video_md5": [True, {"distance": 0}], "md5": [False, {"distance": 1}]}
    for bad in (["banana"], {"pdq": "banana"}, {"pdq": []}, {"pdq": ["banana", "banana"]},
                {"pdq": [a, b, a]}, {"tmk": [a, b]}):  # fmt: skip
        r = hma.client.post("/m/compare", json=bad, headers=h)
        assert r.status_code == 400, bad
        assert "message" in r.json()


def test_index_status(hma: Api) -> None:
    # HMA matching.py index_status: per signal type {"present", "built_to", "size"}.
    h = hma.key("scan")
    hma.bank("KNOWN", [jpeg(10), jpeg(11)])
    body = hma.client.get("/m/index/status", headers=h).json()
    assert set(body) == {"pdq", "md5", "sha256"}
    assert body["pdq"]["present"] is True and body["pdq"]["size"] == 2
    assert body["md5"]["size"] == 2 and body["pdq"]["built_to"] > 1_600_000_000
    r = hma.client.get("/m/index/status", params={"signal_type": "video_md5"}, headers=h)
    assert list(r.json()) == ["video_md5"] and r.json()["video_md5"]["size"] == 2
    r = hma.client.get("/m/index/status", params={"signal_type": "tmk"}, headers=h)
    assert r.status_code == 400 and r.json() == {"message": "No such signal type 'tmk'"}


# -- health -------------------------------------------------------------------------------


def test_status_and_liveness(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # HMA test_api.py test_status_response and test_status_live_always_alive: plain-text
    # bodies, 503 when the index is stale, /status/live always 200. No key needed.
    r = api.client.get("/status")
    assert (r.status_code, r.text) == (200, "I-AM-ALIVE")
    assert r.headers["content-type"].startswith("text/plain")

    def stale(age: float | None) -> Callable[[], LiveStatus]:
        return lambda: LiveStatus(0, 0, (), age, "OperationalError", 0, 0)

    monkeypatch.setattr(api.services.live, "status", stale(3600.0))
    r = api.client.get("/status")
    assert (r.status_code, r.text) == (503, "INDEX-STALE")
    assert (api.client.get("/status/live").status_code, api.client.get("/status/live").text) == (
        200,
        "I-AM-ALIVE",
    )
    monkeypatch.setattr(api.services.live, "status", stale(None))
    r = api.client.get("/status")
    assert (r.status_code, r.text) == (503, "INDEX-NOT-LOADED")
    assert api.client.get("/status/live").status_code == 200


# -- keys ---------------------------------------------------------------------------------


def test_keys_are_required_by_default(api: Api) -> None:
    # childsafe on purpose (docs/hma.md): HMA has no auth of its own; hma-matrix adds
    # "Authorization: Bearer", which is what childsafe asks for, with per-area scopes.
    pdq = {"signal": "0" * 64, "signal_type": "pdq"}
    assert api.client.get("/m/lookup", params=pdq).status_code == 401
    assert api.client.post("/h/hash", files=photo(jpeg(1))).status_code == 401
    assert api.client.get("/c/banks").status_code == 401
    scan, curate = api.key("scan"), api.key("curate")
    assert api.client.get("/m/lookup", params=pdq, headers=scan).status_code == 200
    assert api.client.get("/m/lookup", params=pdq, headers=curate).status_code == 403
    assert api.client.get("/c/banks", headers=scan).status_code == 403
    assert api.client.get("/c/banks", headers=curate).status_code == 200
    assert api.client.get("/status").status_code == 200


def test_hma_auth_off_lets_keyless_clients_in(make_api: Callable[..., Api]) -> None:
    # CHILDSAFE_HMA_AUTH=false: for HMA clients that cannot send a header.
    api = make_api(hma_auth=False)
    assert api.client.post("/c/banks", json={"name": "OPEN"}).status_code == 201
    added = api.client.post("/c/bank/OPEN/signal", json={"pdq": "f" * 64})
    assert added.status_code == 200
    api.services.live.refresh()
    r = api.client.get("/m/lookup", params={"signal": "f" * 64, "signal_type": "pdq"})
    assert r.json() == {"OPEN": [{"bank_content_id": added.json()["id"], "distance": "0"}]}
    assert api.client.get("/v1/status").status_code == 401  # the rest of the API keeps keys


def test_openapi_lists_the_hma_routes_under_their_tag(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    for path in ("/h/hash", "/m/lookup", "/m/raw_lookup", "/c/banks", "/status"):
        ops = doc["paths"][path].values()
        assert all(op["tags"] == ["hma"] for op in ops), path
