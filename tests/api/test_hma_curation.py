"""HMA 2.0's curation API (``/c``), called as HMA clients call it. Each test names the HMA test
(``OpenMediaMatch/tests/test_api_banks.py`` unless said otherwise) or client it mirrors;
where childsafe differs on purpose (docs/hma.md), the test says so.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image

from childsafe.scan.hashing import hash_bytes
from tests.api.conftest import Api, jpeg
from tests.api.test_hma_support import LOCAL_FETCH, ImageServer, image_server, random_pdq
from tests.factories.images import encode


@pytest.fixture
def srv() -> Iterator[ImageServer]:
    with image_server() as s:
        yield s


@pytest.fixture
def hma(make_api: Callable[..., Api]) -> Api:
    return make_api(**LOCAL_FETCH)


@pytest.fixture
def cur(hma: Api) -> dict[str, str]:
    return hma.key("curate", "scan")


def pdq_of(api: Api, data: bytes) -> str:
    return hash_bytes(data, api.services.registry).signals["pdq"].value


def lookup(api: Api, headers: dict[str, str], signal: str, signal_type: str = "pdq") -> Any:
    api.services.live.refresh()  # what the refresh thread does within a second
    r = api.client.get(
        "/m/lookup", params={"signal": signal, "signal_type": signal_type}, headers=headers
    )
    assert r.status_code == 200, r.text
    return r.json()


# -- banks --------------------------------------------------------------------------------


def test_banks_create_and_list(hma: Api, cur: dict[str, str]) -> None:
    # test_banks_empty_index, test_banks_create, and utils.create_bank's exact answer.
    assert hma.client.get("/c/banks", headers=cur).json() == []
    r = hma.client.post("/c/banks", json={"name": "MY_TEST_BANK_01"}, headers=cur)
    assert r.status_code == 201
    assert r.json() == {"matching_enabled_ratio": 1.0, "name": "MY_TEST_BANK_01"}
    assert hma.client.get("/c/banks", headers=cur).json() == [r.json()]
    # A name taken: 403 "already exists", which the Ruby gem turns into its
    # ResourceAlreadyExistsError.
    r = hma.client.post("/c/banks", json={"name": "MY_TEST_BANK_01"}, headers=cur)
    assert r.status_code == 403 and "already exists" in r.json()["message"]
    # Names neither HMA nor childsafe accepts: 400.
    for bad in ("MY BANK", "BANK/1", "X" * 65, ""):
        r = hma.client.post("/c/banks", json={"name": bad}, headers=cur)
        assert r.status_code == 400, bad
    # childsafe on purpose: its own names (lower case, digits first, '.', '-') are accepted,
    # where HMA wants UPPER_WITH_UNDERSCORE.
    for ours in ("01_TEST_BANK", "my_test_bank", "ncmec.sample-1"):
        r = hma.client.post("/c/banks", json={"name": ours}, headers=cur)
        assert r.status_code == 201, ours
    assert hma.client.post("/c/banks", json={}, headers=cur).status_code == 422


def test_bank_bodies_from_real_clients(hma: Api, cur: dict[str, str]) -> None:
    # The Ruby gem posts {"name", "enabled": "<string>", "matching_enabled_ratio"}; Coop posts
    # {"name", "enabled_ratio": "<string>"}. Both coerce, as HMA's pydantic models do.
    r = hma.client.post(
        "/c/banks",
        json={"name": "RUBY_OFF", "enabled": "false", "matching_enabled_ratio": 1.0},
        headers=cur,
    )
    # childsafe on purpose: `enabled` is honoured when no ratio is sent (HMA's default ratio
    # of 1.0 makes it ignore `enabled` on create).
    assert r.json() == {"name": "RUBY_OFF", "matching_enabled_ratio": 0.0}
    r = hma.client.post(
        "/c/banks", json={"name": "COOP_ORG1_BANK", "enabled_ratio": "1"}, headers=cur
    )
    assert r.status_code == 201 and r.json()["matching_enabled_ratio"] == 1.0
    assert hma.services.banks.get_bank("COOP_ORG1_BANK").enabled is True
    r = hma.client.post("/c/banks", json={"name": "HALF", "enabled_ratio": 2}, headers=cur)
    assert r.status_code == 400


def test_banks_get_update_delete(hma: Api, cur: dict[str, str]) -> None:
    # test_banks_update and test_banks_delete; Coop's bank checks rely on GET's 404.
    assert hma.client.get("/c/bank/MY_TEST_BANK", headers=cur).status_code == 404
    hma.client.post("/c/banks", json={"name": "MY_TEST_BANK"}, headers=cur)
    hma.client.post("/c/banks", json={"name": "OTHER"}, headers=cur)
    r = hma.client.get("/c/bank/MY_TEST_BANK", headers=cur)
    assert r.json() == {"name": "MY_TEST_BANK", "matching_enabled_ratio": 1.0}
    put = lambda name, body: hma.client.put(f"/c/bank/{name}", json=body, headers=cur)  # noqa: E731
    assert put("MY_TEST_BANK", {"name": "1 invalid name"}).status_code == 400
    r = put("MY_TEST_BANK", {"name": "MY_TEST_BANK_RENAMED"})
    assert r.status_code == 200 and r.json()["name"] == "MY_TEST_BANK_RENAMED"
    r = put("MY_TEST_BANK_RENAMED", {"enabled": False})
    assert r.status_code == 200 and r.json()["matching_enabled_ratio"] == 0
    # childsafe on purpose: no fractional ratio; any ratio above 0 switches the bank on.
    r = put("MY_TEST_BANK_RENAMED", {"enabled_ratio": 0.5})
    assert r.status_code == 200 and r.json()["matching_enabled_ratio"] == 1.0
    r = put("MY_TEST_BANK_RENAMED", {"name": "OTHER"})
    assert r.status_code == 403 and r.json() == {"message": "Bank name already exists"}
    assert put("NOPE", {"enabled": True}).status_code == 404
    names = [b["name"] for b in hma.client.get("/c/banks", headers=cur).json()]
    assert names == ["MY_TEST_BANK_RENAMED", "OTHER"]
    # Deleting answers 200 whether or not the bank exists.
    for _ in range(2):
        r = hma.client.delete("/c/bank/MY_TEST_BANK_RENAMED", headers=cur)
        assert r.status_code == 200 and r.json() == {"message": "Done"}
    assert hma.client.get("/c/bank/MY_TEST_BANK_RENAMED", headers=cur).status_code == 404


def test_deleting_a_bank_stops_its_matches(
    hma: Api, cur: dict[str, str], rng: random.Random
) -> None:
    pdq = random_pdq(rng)
    hma.client.post("/c/banks", json={"name": "GONE"}, headers=cur)
    hma.client.post("/c/bank/GONE/signal", json={"pdq": pdq}, headers=cur)
    assert "GONE" in lookup(hma, cur, pdq)
    hma.client.delete("/c/bank/GONE", headers=cur)
    assert lookup(hma, cur, pdq) == {}


# -- adding content -----------------------------------------------------------------------


def test_add_content_by_url(hma: Api, cur: dict[str, str], srv: ImageServer) -> None:
    # test_banks_add_content / utils.add_hash_to_bank: ?url=...&content_type=photo answers
    # {"id", "signals": {"pdq": ...}} with 200, and the content then matches.
    data = jpeg(20)
    url = srv.put("image1.jpg", data)
    hma.client.post("/c/banks", json={"name": "NEW_BANK"}, headers=cur)
    r = hma.client.post(
        f"/c/bank/NEW_BANK/content?url={url}&content_type=photo&types=pdq", headers=cur
    )
    assert r.status_code == 200, r.text
    content_id = r.json()["id"]
    assert r.json() == {"id": content_id, "signals": {"pdq": pdq_of(hma, data)}}
    assert lookup(hma, cur, pdq_of(hma, data)) == {
        "NEW_BANK": [{"bank_content_id": content_id, "distance": "0"}]
    }
    # Without `types`, childsafe banks every photo signal (docs/hma.md: signal type names).
    data2 = jpeg(21)
    r = hma.client.post(f"/c/bank/NEW_BANK/content?url={srv.put('image2.jpg', data2)}", headers=cur)
    assert set(r.json()["signals"]) == {"pdq", "md5", "sha256"}
    assert r.json()["signals"]["md5"] == hashlib.md5(data2).hexdigest()


def test_add_content_by_upload_with_metadata(hma: Api, cur: dict[str, str]) -> None:
    # The Ruby gem's add_file_to_bank: the file under its content type plus a `metadata` form
    # field (JSON); test_bank_get_content_returns_stored_metadata,
    # test_bank_get_content_include_metadata_false, test_bank_get_content_with_signals.
    data = jpeg(22)
    hma.client.post("/c/banks", json={"name": "TEST_BANK_GET"}, headers=cur)
    r = hma.client.post(
        "/c/bank/TEST_BANK_GET/content",
        files={"photo": ("a.jpg", data, "image/jpeg")},
        data={"metadata": json.dumps({"content_id": "ext-id-123", "json": {"k": "v"}})},
        headers=cur,
    )
    assert r.status_code == 200, r.text
    content_id = r.json()["id"]
    assert r.json()["signals"]["pdq"] == pdq_of(hma, data)
    path = f"/c/bank/TEST_BANK_GET/content/{content_id}"
    got = hma.client.get(path, headers=cur).json()
    assert got == {
        "id": content_id,
        "disable_until_ts": 1,
        "original_media_uri": None,
        "bank": {"name": "TEST_BANK_GET", "matching_enabled_ratio": 1.0},
        # childsafe on purpose: only content_id is kept (as the entry's external id).
        "metadata": {"content_id": "ext-id-123", "content_uri": None, "json": None, "collab": None},
    }
    assert "metadata" not in hma.client.get(f"{path}?include_metadata=false", headers=cur).json()
    signals = hma.client.get(f"{path}?include_signals=true", headers=cur).json()["signals"]
    assert signals == r.json()["signals"]


def test_add_content_refusals(hma: Api, cur: dict[str, str], srv: ImageServer) -> None:
    # test_banks_add_metadata, test_bank_add_note_too_long, and HMA's 404/400s for adding.
    url = srv.put("a.jpg", jpeg(23))
    r = hma.client.post(f"/c/bank/NOPE/content?url={url}", headers=cur)
    assert r.status_code == 404 and r.json() == {"message": "bank 'NOPE' not found"}
    hma.client.post("/c/banks", json={"name": "NEW_BANK"}, headers=cur)
    add = f"/c/bank/NEW_BANK/content?url={url}&content_type=photo"
    r = hma.client.post(add, json={"metadata": {"invalid_metadata": 5}}, headers=cur)
    assert r.status_code == 400
    r = hma.client.post(add, json={"note": "x" * 256}, headers=cur)
    assert r.status_code == 400
    r = hma.client.post("/c/bank/NEW_BANK/content", headers=cur)
    assert r.status_code == 400
    assert r.json() == {"message": "Neither `url` nor multipart file upload was received"}
    r = hma.client.post(
        "/c/bank/NEW_BANK/content",
        files={"photo": ("a.jpg", jpeg(24), "image/jpeg")},
        data={"metadata": "{not json"},
        headers=cur,
    )
    assert r.status_code == 400 and r.json() == {
        "message": "metadata form field must be valid JSON"
    }
    r = hma.client.post(
        add, json={"metadata": {"content_id": "1197433091", "json": {"a": {}}}}, headers=cur
    )
    assert r.status_code == 200, r.text


def test_adding_content_twice_answers_the_same_id(hma: Api, cur: dict[str, str]) -> None:
    # childsafe on purpose: a bank holds a signal once; re-adding answers the existing entry
    # (HMA stores a second copy). Re-adding content that was disabled is a 409.
    hma.client.post("/c/banks", json={"name": "DUP"}, headers=cur)
    files = {"photo": ("a.jpg", jpeg(25), "image/jpeg")}
    first = hma.client.post("/c/bank/DUP/content", files=files, headers=cur).json()
    again = hma.client.post("/c/bank/DUP/content", files=files, headers=cur)
    assert again.status_code == 200 and again.json() == first
    hma.client.put(f"/c/bank/DUP/content/{first['id']}", json={"disable_until_ts": 0}, headers=cur)
    r = hma.client.post("/c/bank/DUP/content", files=files, headers=cur)
    assert r.status_code == 409 and "disabled" in r.json()["message"]


def test_a_flat_photo_banks_its_file_hashes_but_not_its_pdq(hma: Api, cur: dict[str, str]) -> None:
    # childsafe on purpose, as `childsafe bank add`: PDQ under quality 50 matches too loosely
    # to bank (HMA's PDQ hasher answers "" for it, which HMA then refuses as invalid).
    flat = encode(Image.new("RGB", (300, 200), (120, 120, 120)), "PNG")
    hma.client.post("/c/banks", json={"name": "FLAT"}, headers=cur)
    files = {"photo": ("flat.png", flat, "image/png")}
    r = hma.client.post("/c/bank/FLAT/content", files=files, headers=cur)
    assert r.status_code == 200 and set(r.json()["signals"]) == {"md5", "sha256"}
    r = hma.client.post("/c/bank/FLAT/content?types=pdq", files=files, headers=cur)
    assert r.status_code == 400 and "quality" in r.json()["message"]


def test_add_signals(hma: Api, cur: dict[str, str], rng: random.Random) -> None:
    # test_bank_add_hash_with_note (POST /c/bank/<name>/signal with a note) and HMA's
    # _bank_add_signals refusals; video_md5 is childsafe's md5 (docs/hma.md).
    hma.client.post("/c/banks", json={"name": "TEST_BANK_HASH_NOTE"}, headers=cur)
    pdq = random_pdq(rng)
    path = "/c/bank/TEST_BANK_HASH_NOTE/signal"
    r = hma.client.post(path, json={"pdq": pdq, "note": "Hash from campaign ABC"}, headers=cur)
    assert r.status_code == 200 and r.json() == {"id": r.json()["id"], "signals": {"pdq": pdq}}
    assert lookup(hma, cur, pdq)["TEST_BANK_HASH_NOTE"][0]["bank_content_id"] == r.json()["id"]
    md5 = f"{rng.getrandbits(128):032X}"
    r = hma.client.post(path, json={"video_md5": md5}, headers=cur)
    assert r.json()["signals"] == {"video_md5": md5.lower()}
    assert lookup(hma, cur, md5.lower(), "md5")["TEST_BANK_HASH_NOTE"][0]["distance"] == "0"
    for bad in ({"tmk": "00"}, {"pdq": "zz"}, {}, {"note": "only a note"}, ["pdq"]):
        r = hma.client.post(path, json=bad, headers=cur)
        assert r.status_code == 400, bad
        assert "message" in r.json()
    r = hma.client.post("/c/bank/NOPE/signal", json={"pdq": pdq}, headers=cur)
    assert r.status_code == 404


def test_added_content_matches_within_five_seconds(
    hma: Api, cur: dict[str, str], rng: random.Random
) -> None:
    # The promise: content added through /c matches without a restart or a manual
    # refresh (the live matcher polls the change log).
    hma.client.post("/c/banks", json={"name": "LIVE"}, headers=cur)
    pdq = random_pdq(rng)
    hma.client.post("/c/bank/LIVE/signal", json={"pdq": pdq}, headers=cur)
    deadline = time.monotonic() + 5
    params = {"signal": pdq, "signal_type": "pdq"}
    while hma.client.get("/m/lookup", params=params, headers=cur).json() == {}:
        assert time.monotonic() < deadline, "added content not matched within 5 s"
        time.sleep(0.05)


# -- content by id ------------------------------------------------------------------------


def test_get_content_404s(hma: Api, cur: dict[str, str], rng: random.Random) -> None:
    # test_bank_get_content_404; childsafe also refuses another bank's content id.
    assert hma.client.get("/c/bank/TEST_BANK_GET/content/1", headers=cur).status_code == 404
    for name in ("TEST_BANK_GET", "OTHER"):
        hma.client.post("/c/banks", json={"name": name}, headers=cur)
    assert hma.client.get("/c/bank/TEST_BANK_GET/content/1", headers=cur).status_code == 404
    other = hma.client.post("/c/bank/OTHER/signal", json={"pdq": random_pdq(rng)}, headers=cur)
    r = hma.client.get(f"/c/bank/TEST_BANK_GET/content/{other.json()['id']}", headers=cur)
    assert r.status_code == 404
    assert hma.client.get("/c/bank/OTHER/content/abc", headers=cur).status_code == 404


def test_disable_and_enable_content(hma: Api, cur: dict[str, str], rng: random.Random) -> None:
    # test_bank_update_content / test_bank_update_content_400: PUT disable_until_ts.
    # childsafe on purpose: 0 disables, 1 (or a time already past) enables, a future time is
    # refused (there is no timed disable; HMA re-enables at that time).
    hma.client.post("/c/banks", json={"name": "TEST_BANK_UPDATE"}, headers=cur)
    pdq = random_pdq(rng)
    cid = hma.client.post("/c/bank/TEST_BANK_UPDATE/signal", json={"pdq": pdq}, headers=cur).json()[
        "id"
    ]
    path = f"/c/bank/TEST_BANK_UPDATE/content/{cid}"
    r = hma.client.put(path, json={"disable_until_ts": 0}, headers=cur)
    assert r.status_code == 200 and r.json()["disable_until_ts"] == 0
    assert r.json()["bank"] == {"name": "TEST_BANK_UPDATE", "matching_enabled_ratio": 1.0}
    assert lookup(hma, cur, pdq) == {}
    assert hma.client.get(path, headers=cur).json()["disable_until_ts"] == 0
    r = hma.client.put(path, json={"disable_until_ts": "1"}, headers=cur)
    assert r.status_code == 200 and r.json()["disable_until_ts"] == 1
    assert "TEST_BANK_UPDATE" in lookup(hma, cur, pdq)
    future = int(time.time()) + 86_400
    for bad in (future, 9_999_999_999, -5, "soon"):
        r = hma.client.put(path, json={"disable_until_ts": bad}, headers=cur)
        assert r.status_code == 400, bad
    r = hma.client.put(path, json={"disable_until_ts": int(time.time()) - 60}, headers=cur)
    assert r.status_code == 200 and r.json()["disable_until_ts"] == 1
    assert (
        hma.client.put(
            f"/c/bank/TEST_BANK_UPDATE/content/{cid + 99}", json={}, headers=cur
        ).status_code
        == 404
    )


def test_delete_content(hma: Api, cur: dict[str, str], srv: ImageServer) -> None:
    # test_banks_delete_content: {"deleted": 1}, and the content stops matching.
    data = jpeg(26)
    hma.client.post("/c/banks", json={"name": "NEW_BANK"}, headers=cur)
    url = srv.put("image1.jpg", data)
    cid = hma.client.post(
        f"/c/bank/NEW_BANK/content?url={url}&content_type=photo", headers=cur
    ).json()["id"]
    assert "NEW_BANK" in lookup(hma, cur, pdq_of(hma, data))
    r = hma.client.delete(f"/c/bank/NEW_BANK/content/{cid}", headers=cur)
    assert r.status_code == 200 and r.json() == {"deleted": 1}
    assert lookup(hma, cur, pdq_of(hma, data)) == {}
    assert hma.client.delete(f"/c/bank/NEW_BANK/content/{cid}", headers=cur).json() == {
        "deleted": 0
    }
    assert hma.client.get(f"/c/bank/NEW_BANK/content/{cid}", headers=cur).status_code == 404
    assert hma.client.delete(f"/c/bank/NOPE/content/{cid}", headers=cur).status_code == 404


def test_curation_is_audited_as_the_calling_key(hma: Api) -> None:
    # childsafe on purpose: every change names the key that made it.
    h = hma.key("curate", name="hma-client")
    hma.client.post("/c/banks", json={"name": "AUDITED"}, headers=h)
    r = hma.client.post("/c/bank/AUDITED/signal", json={"md5": "0" * 32}, headers=h)
    entry = hma.services.banks.get_entry(r.json()["id"])
    assert entry.added_by == "hma-client"
