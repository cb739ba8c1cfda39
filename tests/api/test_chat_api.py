"""``/v1/chat/*`` over HTTP: keys, batches, errors, and reading pairs and senders back."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.factories.chat import ADULT, CHILD, batch, conversation, message

FACTS = {"acct_a": ADULT, "acct_c": CHILD}


def post(api: Api, body: Any, headers: dict[str, str]) -> Any:
    return api.client.post("/v1/chat/messages", json=body, headers=headers)


def test_a_batch_is_scored_and_its_pair_and_sender_can_be_read(api: Api) -> None:
    key = api.key("chat")
    r = post(api, batch(conversation(), FACTS), key)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["messages"] == 8
    assert body["pairs"][0] | {"risk": 0} == {
        "adult": "acct_a", "minor": "acct_c", "kind": "adult_minor", "risk": 0,
        "band": "urgent_review",
    }  # fmt: skip
    changes = body["band_changes"]
    assert changes[0]["old_band"] == "none" and changes[-1]["new_band"] == "urgent_review"
    assert any(c["case_id"] is not None for c in changes)

    pair = api.client.get(
        "/v1/chat/pair", params={"adult": "acct_a", "minor": "acct_c", "at": 1_000_500}, headers=key
    )
    assert pair.status_code == 200, pair.text
    p = pair.json()
    assert p["band"] == "urgent_review" and p["messages_adult_to_minor"] == 4
    cats = {c["category"] for c in p["explanation"]["categories"]}
    assert {"secrecy", "meeting_request", "platform_move", "age_probing"} <= cats
    assert all(m["quote"] is None for c in p["explanation"]["categories"] for m in c["messages"])
    assert [h["new_band"] for h in p["history"]][-1] == "urgent_review"
    assert any("age_gap" in line for line in p["explanation_text"])

    sender = api.client.get(
        "/v1/chat/sender", params={"account": "acct_a", "at": 1_000_500}, headers=key
    )
    assert sender.status_code == 200
    assert sender.json()["top_pairs"][0]["minor"] == "acct_c"


def test_iso_times_group_messages_and_relationships(api: Api) -> None:
    key = api.key("chat")
    accounts = {"mum": {"declared_age": 39, "age_verified": True}, "k1": CHILD, "k2": CHILD}
    msgs = [
        message("1", "mum", ["k1", "k2"], "2026-11-22T17:00:00Z", "is your mom home?"),
        message("2", "mum", "k1", "2026-11-22T17:01:00+00:00", "keep this our little secret ok?"),
    ]
    rels = [{"accounts": ["k1", "mum"], "connected": True, "relationship": "family"}]
    body = post(api, batch(msgs, accounts, rels), key).json()
    risks = {p["minor"]: p["risk"] for p in body["pairs"]}
    assert set(risks) == {"k1", "k2"}
    pair = api.client.get("/v1/chat/pair", params={"adult": "mum", "minor": "k1"}, headers=key)
    names = {f["name"] for f in pair.json()["explanation"]["factors"]}
    assert "known_relationship" in names


def test_keys_are_required_and_scoped(api: Api) -> None:
    body = batch(conversation(), FACTS)
    assert post(api, body, {}).status_code == 401
    r = post(api, body, api.key("scan"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "missing_scope"
    assert api.client.get("/v1/chat/sender", params={"account": "x"}).status_code == 401


def test_bad_batches_are_refused_naming_the_problem_and_nothing_is_kept(api: Api) -> None:
    key = api.key("chat")
    good = conversation()
    cases = [
        ({"messages": []}, "messages"),
        ({"messages": [{**good[0], "time": "2026-11-22T17:00:00"}]}, "time zone"),
        ({"messages": [{**good[0], "recipients": ["acct_a"]}]}, "also a recipient"),
        ({"messages": [good[0], good[0]]}, "appears twice"),
        ({"messages": good, "accounts": {"acct_a": {"declared_age": 300}}}, "declared_age"),
        ({"messages": [{**good[0], "colour": "red"}]}, "colour"),
        ({"messages": [{**good[0], "text": "x" * 4001}]}, "text"),
        # PostgreSQL cannot store U+0000; refused up front, not when a case is written.
        ({"messages": [{**good[0], "text": "hi\x00 there"}]}, "NUL character"),
        ({"messages": [{**good[0], "conversation_id": "c\x00"}]}, "NUL character"),
    ]
    for body, needle in cases:
        r = post(api, body, key)
        assert r.status_code == 422, (needle, r.text)
        assert r.json()["error"]["code"] == "invalid_request"
        assert needle in r.json()["error"]["message"], (needle, r.json())
    r = api.client.post(
        "/v1/chat/messages",
        content=b"{not json",
        headers={**key, "content-type": "application/json"},
    )
    assert r.status_code == 422
    r = api.client.get("/v1/chat/pair", params={"adult": "acct_a", "minor": "acct_c"}, headers=key)
    assert r.status_code == 404 and r.json()["error"]["code"] == "pair_not_found"


def test_an_oversized_body_is_refused(api: Api) -> None:
    key = api.key("chat")
    r = api.client.post(
        "/v1/chat/messages",
        content=b"[" + b" " * (8 * 1024 * 1024 + 1) + b"]",
        headers={**key, "content-type": "application/json"},
    )
    assert r.status_code == 413


def test_openapi_documents_the_batch(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert {"/v1/chat/messages", "/v1/chat/pair", "/v1/chat/sender"} <= set(doc["paths"])
    schemas = doc["components"]["schemas"]
    assert {"ChatBatch", "MessageIn", "AccountIn", "ScanJson"} <= set(schemas)
    assert schemas["ChatBatch"]["properties"]["messages"]["items"]["$ref"].endswith("MessageIn")


def test_reviewers_give_verdicts_and_operators_examples(api: Api) -> None:
    body = post(api, batch(conversation(), FACTS), api.key("chat")).json()
    case_id = next(c["case_id"] for c in body["band_changes"] if c["case_id"])
    verdict = {"case_id": case_id, "message_id": "m2", "confirmed": True, "category": "secrecy"}
    assert (
        api.client.post("/v1/chat/verdicts", json=verdict, headers=api.key("chat")).status_code
        == 403
    )
    r = api.client.post("/v1/chat/verdicts", json=verdict, headers=api.key("review"))
    assert r.status_code == 200, r.text
    assert r.json() | {"id": 0} == {
        "id": 0, "source": "verdict", "label": "positive", "category": "secrecy",
        "case_id": case_id, "message_id": "m2",
    }  # fmt: skip
    missing = {**verdict, "message_id": "not-in-case"}
    r = api.client.post("/v1/chat/verdicts", json=missing, headers=api.key("review"))
    assert r.status_code == 404 and "not-in-case" in r.json()["error"]["message"]

    example = {"text": "this stays in our club only", "label": "positive", "category": "secrecy"}
    assert (
        api.client.post("/v1/chat/exemplars", json=example, headers=api.key("review")).status_code
        == 403
    )
    r = api.client.post("/v1/chat/exemplars", json=example, headers=api.key("curate"))
    assert r.status_code == 200 and r.json()["source"] == "operator"
    exemplar_id = r.json()["id"]
    path = f"/v1/chat/exemplars/{exemplar_id}"
    assert api.client.delete(path, headers=api.key("review")).status_code == 403
    r = api.client.delete(path, headers=api.key("curate"))
    assert r.status_code == 200 and r.json()["removed"] is True
    assert api.client.delete(path, headers=api.key("curate")).status_code == 404
    r = api.client.post(
        "/v1/chat/exemplars", json={**example, "category": "purple"}, headers=api.key("curate")
    )
    assert r.status_code == 422 and "purple" in r.json()["error"]["message"]


def test_an_idempotency_key_makes_resending_safe(api: Api) -> None:
    key = api.key("chat")
    body = batch(conversation(), FACTS)
    first = api.client.post(
        "/v1/chat/messages", json=body, headers={**key, "Idempotency-Key": "b-1"}
    )
    again = api.client.post(
        "/v1/chat/messages", json=body, headers={**key, "Idempotency-Key": "b-1"}
    )
    assert first.status_code == again.status_code == 200
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert again.json()["band_changes"] == first.json()["band_changes"]
    pair = api.client.get(
        "/v1/chat/pair", params={"adult": "acct_a", "minor": "acct_c"}, headers=key
    )
    assert pair.json()["messages_adult_to_minor"] == 4
    bad = api.client.post(
        "/v1/chat/messages", json=body, headers={**key, "Idempotency-Key": "x" * 129}
    )
    assert bad.status_code == 422 and "Idempotency-Key" in bad.json()["error"]["message"]


def test_metrics_count_chat_messages_and_band_changes(api: Api) -> None:
    key = api.key("chat", "scan")
    body = batch(conversation(), FACTS)
    api.client.post("/v1/chat/messages", json=body, headers={**key, "Idempotency-Key": "m-1"})
    api.client.post("/v1/chat/messages", json=body, headers={**key, "Idempotency-Key": "m-1"})
    text = api.client.get("/metrics", headers=key).text
    assert "childsafe_chat_messages_total 8.0" in text  # the replay is not counted again
    assert 'childsafe_chat_band_changes_total{band="urgent_review",subject="pair"} 1.0' in text
    assert "childsafe_chat_batch_latency_seconds_count 1.0" in text


def test_a_resend_without_a_key_names_its_duplicates_and_is_counted_once(api: Api) -> None:
    key = api.key("chat", "scan")
    body = batch(conversation(), FACTS)
    first = post(api, body, key).json()
    assert first["duplicates"] == []
    # A retried tail: the last two messages again, plus two new ones.
    tail = [
        *body["messages"][-2:],
        message("m8", "acct_a", "acct_c", 1_000_900, "did you finish the level"),
        message("m9", "acct_c", "acct_a", 1_000_960, "gg"),
    ]
    again = post(api, batch(tail, FACTS), key).json()
    assert again["duplicates"] == ["m6", "m7"]
    text = api.client.get("/metrics", headers=key).text
    assert "childsafe_chat_messages_total 10.0" in text
    assert "childsafe_chat_duplicate_messages_total 2.0" in text


def test_status_says_which_embedding_model_the_server_runs(make_api: Any) -> None:
    default = make_api()
    stage = default.services.chat.semantic
    assert stage is not None and stage.wait(120), stage and stage.error
    chat = default.client.get("/v1/status", headers=default.key("scan")).json()["chat"]
    assert chat == {
        "semantic": "ready", "semantic_error": None, "semantic_precision": "int8",
        "operator_exemplars": 0,
    }  # fmt: skip
    exact = make_api(chat_semantic_precision="fp32")
    chat = exact.client.get("/v1/status", headers=exact.key("scan")).json()["chat"]
    assert chat["semantic_precision"] == "fp32"
    off = make_api(chat_semantic="off")
    assert off.client.get("/v1/status", headers=off.key("scan")).json()["chat"] == {
        "semantic": "off"
    }
