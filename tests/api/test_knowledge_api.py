"""The knowledge-base routes over loopback: scopes, strict validation naming the article and field, schemas."""
from __future__ import annotations

from jsonschema import Draft202012Validator

from servicedesk.kb import load_path
from servicedesk.knowledge import SHIPPED_ARTICLES
from bot.app import create_app
from tests.api.conftest import as_agent, as_bot, auth, token_env

ARTICLE = {"key": "pbx-no-tone", "title": "PBX分机没有拨号音怎么办", "short_answer": "请检查PBX电源和中继板后重启。",
           "body": "检查 <script>alert(1)</script> 电源。", "questions": ["交换机分机打不出去"], "status": "published"}


def as_admin() -> dict[str, str]:
    return auth("admin", **{"X-Actor-Id": "admin-1"})


async def import_(api, articles: list[dict], headers: dict[str, str]):
    return await api.post("/api/v1/kb/articles", json={"articles": articles}, headers=headers)


async def keys(api) -> set[str]:
    response = await api.get("/api/v1/kb/articles", headers=as_agent())
    assert response.status == 200
    return {a["key"] for a in (await response.json())["items"]}


async def test_who_may_do_what(api):
    assert (await import_(api, [ARTICLE], as_bot())).status == 403
    imported = await import_(api, [{**ARTICLE, "status": "draft"}], as_agent())
    assert imported.status == 200 and (await imported.json()) == {"added": 1, "updated": 0, "unchanged": 0, "retired": 0}
    denied = await api.post("/api/v1/kb/articles/pbx-no-tone/publish", headers=as_agent())
    assert denied.status == 403 and (await denied.json())["error"] == "insufficient_scope"
    assert (await api.get("/api/v1/kb/articles/pbx-no-tone", headers=as_bot())).status == 404
    published = await api.post("/api/v1/kb/articles/pbx-no-tone/publish", headers=as_admin())
    assert published.status == 200 and (await published.json())["status"] == "published"
    article = await api.get("/api/v1/kb/articles/pbx-no-tone", headers=as_bot())
    assert (await article.json())["body"] == ARTICLE["body"]  # JSON carries the text as it is; pages escape it
    assert (await api.get("/api/v1/kb/gaps", headers=as_bot())).status == 403


async def test_one_bad_article_refuses_the_whole_import_and_names_it(api):
    good = {**ARTICLE, "key": "good-one"}
    cases = [
        ([good, {**ARTICLE, "short_answer": "长" * 201}], "articles[1].short_answer"),
        ([good, {**ARTICLE, "key": "Bad Key"}], "articles[1].key"),
        ([good, {**ARTICLE, "tiers": ["vip"]}], "articles[1].tiers"),
        ([good, good], "articles[1].key"),
        ([{k: v for k, v in ARTICLE.items() if k != "title"}], "articles[0].title"),
        ([{**ARTICLE, "review_date": "下个月"}], "articles[0].review_date"),
        ([{**ARTICLE, "colour": "red"}], "articles[0].colour"),
    ]
    for articles, field in cases:
        response = await import_(api, articles, as_agent())
        assert response.status == 400, field
        assert (await response.json())["field"] == field
    assert "good-one" not in await keys(api)


async def test_search_and_feedback_for_a_customer(api):
    assert (await import_(api, [ARTICLE], as_admin())).status == 200
    found = await api.post("/api/v1/kb/search", json={"query": "PBX分机都没有拨号音了"}, headers=as_bot())
    result = await found.json()
    assert found.status == 200 and result["decision"] == "answer"
    assert result["hits"][0]["article"]["key"] == "pbx-no-tone"
    markup = await api.post("/api/v1/kb/search", json={"query": "<script>alert(1)</script>"}, headers=as_bot())
    assert markup.status == 200 and (await markup.json())["hits"] == []
    for bad, field in (({"query": "x", "limit": 11}, "limit"), ({"query": 3}, "query"), ({}, "query")):
        response = await api.post("/api/v1/kb/search", json=bad, headers=as_bot())
        assert response.status == 400 and (await response.json())["field"] == field
    verdict = {"article": "pbx-no-tone", "query": "PBX分机没声音", "solved": False}
    assert (await api.post("/api/v1/kb/feedback", json=verdict, headers=as_bot())).status == 204
    gaps = await (await api.get("/api/v1/kb/gaps?limit=5", headers=as_agent())).json()
    assert "pbx分机没声音" in {g["query"] for g in gaps["items"]}
    for query in ("limit=0", "limit=x"):
        assert (await api.get(f"/api/v1/kb/gaps?{query}", headers=as_agent())).status == 400
    bad_status = await api.get("/api/v1/kb/articles?status=lost", headers=as_agent())
    assert bad_status.status == 400 and (await bad_status.json())["field"] == "status"


async def test_knowledge_responses_match_their_schemas(api):
    document = await (await api.get("/api/v1/openapi.json")).json()
    imported = await (await import_(api, [ARTICLE], as_admin())).json()
    result = await (await api.post("/api/v1/kb/search", json={"query": "PBX分机没有拨号音"}, headers=as_bot())).json()
    versions = await (await api.get("/api/v1/kb/articles/pbx-no-tone/versions", headers=as_agent())).json()
    gaps = await (await api.get("/api/v1/kb/gaps", headers=as_agent())).json()
    checks = (("ImportReport", imported), ("SearchResult", result), ("ArticleVersionItems", versions),
              ("KbGapItems", gaps))
    for name, value in checks:
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        assert not list(Draft202012Validator(schema).iter_errors(value)), name
    assert versions["items"][0]["article"]["key"] == "pbx-no-tone" and result["hits"]
    publish = document["paths"]["/kb/articles/{key}/publish"]["post"]
    assert "/kb/search" in document["paths"] and publish["x-scopes"] == ["admin"]


async def test_a_whole_knowledge_base_fits_one_import_up_to_its_own_limit(aiohttp_client, app_config):
    api = await aiohttp_client(create_app(app_config(**token_env(), FRONTDOOR_API__MAX_IMPORT_BYTES="300000")))
    shipped = [a.to_dict() for a in load_path(SHIPPED_ARTICLES)]  # over 100 KB: past server.max_body_bytes
    response = await import_(api, shipped, as_agent())
    assert response.status == 200 and (await response.json())["unchanged"] == len(shipped)
    copies = [{**a, "key": f"{a['key']}-{n}"} for n in range(3) for a in shipped]
    too_big = await import_(api, copies, as_agent())
    assert too_big.status == 413 and (await too_big.json())["error"] == "request_entity_too_large"
    assert (await api.post("/api/v1/kb/feedback", data="x" * 70_000, headers=as_bot())).status == 413
