"""Search through the apps' own services: freshness on commit, scope inside the query, highlighting,
exact identifier look-ups (audited), and the API. Runs on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest

from jingwu.audit.models import AuditEntry
from jingwu.mediation import services as mediation
from jingwu.mediation.services import PartyInput
from jingwu.people.services import person_create
from jingwu.search import selectors
from jingwu.search.models import SearchEntry
from jingwu.search.services import mask_text, search_reindex
from tests.api.helpers import AuditLog, login, wuping_id

from .conftest import TAOXI_VILLAGE

pytestmark = pytest.mark.django_db


def found(actor, query, **filters):
    result = selectors.search(actor=actor, query=query, filters=selectors.SearchFilters(**filters))
    return {(h.kind, h.object_id) for h in result.hits}


def test_a_new_incident_is_searchable_right_after_commit(officer, incident):
    made = incident(officer, "报警人称其停放在桃溪村村部门口的绿源牌电动车被盗窃。")
    assert ("incident", made.pk) in found(officer, "盗窃 电动车 桃溪")
    assert ("incident", made.pk) in found(officer, "绿源")
    # Nothing matches a word the record does not contain, nor characters that are not adjacent in it.
    assert ("incident", made.pk) not in found(officer, "摩托车")
    assert ("incident", made.pk) not in found(officer, "窃绿")


def test_an_edit_written_with_update_is_reindexed(officer, case, committed):
    from jingwu.search.signals import audit_entry_saved

    made = case(officer, "桃溪村民家中被盗案", "报案人称其家中财物被盗。")
    SearchEntry.objects.filter(kind="case", object_id=made.pk).update(tokens="x", body="x")
    # An audited write of the case (here: any allowed, non-read action) reindexes it on commit.
    with committed():
        entry = AuditEntry(
            object_type="cases.case", object_id=str(made.pk), action="case.edit", outcome="allowed"
        )
        audit_entry_saved(sender=AuditEntry, instance=entry, created=True)
    assert ("case", made.pk) in found(officer, "家中财物")


def test_the_bulk_intake_is_indexed(user_of, committed):
    from jingwu.incidents.services import incident_create_batch

    dispatcher = user_of("dispatcher")
    item = {
        "source": "phone_110",
        "village_code": TAOXI_VILLAGE,
        "category": "criminal",
        "subcategory": "fraud",
        "narrative": "批量接警：村民反映有人冒充客服实施刷单诈骗，损失八千元。",
        "caller_name": "赖批量",
        "caller_phone": "13955501234",
    }
    with committed():
        results = incident_create_batch(actor=dispatcher, items=[item])
    made = results[0].incident
    assert ("incident", made.pk) in found(dispatcher, "刷单 诈骗")
    assert ("person", made.caller_id) in found(dispatcher, "赖批量")


def test_an_officer_of_pingchuan_never_sees_a_taoxi_case(officer, outsider, case):
    taoxi = case(officer, "桃溪村民电动车被盗案", "村民的电动车在桃溪村被盗窃。")
    pingchuan = case(outsider, "平川街道电动车被盗案", "居民的电动车在平川被盗窃。")
    assert ("case", taoxi.pk) not in found(outsider, "电动车 盗窃")
    assert ("case", pingchuan.pk) in found(outsider, "电动车 盗窃")
    assert ("case", taoxi.pk) in found(officer, "电动车 盗窃")
    # A filter never widens the scope.
    assert ("case", taoxi.pk) not in found(outsider, "电动车", unit_id=taoxi.station_id)


def test_procurators_see_criminal_cases_only(officer, case, user_of):
    procurator = user_of("procurator")
    criminal = case(officer, "桃溪村民家中被盗案", "报案人称其家中财物被盗窃。")
    administrative = case(
        officer,
        "桃溪村民殴打他人案",
        "两村民因琐事争执，一方殴打另一方，家中财物受损。",
        kind="administrative",
    )
    hits = found(procurator, "家中财物")
    assert ("case", criminal.pk) in hits
    assert ("case", administrative.pk) not in hits
    # Procurators may not see incidents or disputes at all.
    assert all(kind in {"case", "person"} for kind, _ in hits)


def test_mediators_see_only_their_referrals_and_assistants_only_their_reports(officer, user_of, committed):
    mediator, assistant = user_of("mediator"), user_of("assistant")
    from jingwu.geo.models import Division

    village = Division.objects.get(code=TAOXI_VILLAGE)

    def register(actor, description, source="walk_in"):
        with committed():
            return mediation.dispute_create(
                actor=actor,
                source=source,
                kind="neighbour",
                village_id=village.pk,
                description=description,
                parties=[
                    PartyInput(role="applicant", name="钟检甲", phone="13800990001"),
                    PartyInput(role="respondent", name="刘检乙", phone="13800990002"),
                ],
                relationship="邻居",
            )

    referred = register(officer, "两户因宅基地滴水问题发生争吵，经调解未果。")
    kept = register(officer, "两户因宅基地围墙问题发生争吵。")
    reported = register(assistant, "两户因宅基地排水沟问题发生争吵。", source="screening")
    with committed():
        mediation.dispute_route(
            actor=officer, dispute_id=referred.pk, route="people", mediator_id=mediator.pk
        )
    assert found(mediator, "宅基地") == {("dispute", referred.pk)}
    assert found(assistant, "宅基地") == {("dispute", reported.pk)}
    assert {("dispute", d.pk) for d in (referred, kept, reported)} <= found(officer, "宅基地")


def test_snippets_escape_html_and_mark_the_matches(officer, incident):
    made = incident(officer, '<script>alert("x")</script>桃溪村民的电动车被盗窃 <b>粗体</b>')
    hits = selectors.search(actor=officer, query="盗窃 电动车").hits
    hit = next(h for h in hits if h.object_id == made.pk)
    html = str(hit.snippet)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "<mark>盗窃</mark>" in html and "<mark>电动车</mark>" in html


def test_numbers_in_narratives_are_masked_and_never_searchable(officer, incident):
    made = incident(officer, "报警人张某（身份证350824199001011234，电话13812345678）称电动车被盗。")
    entry = SearchEntry.objects.get(kind="incident", object_id=made.pk)
    assert "350824199001011234" not in entry.body and "13812345678" not in entry.body
    assert "138****5678" in entry.body and "350824********1234" in entry.body
    for fragment in ("13812345678", "5678", "1234", "350824"):
        assert ("incident", made.pk) not in found(officer, fragment)
    assert "4812345" not in mask_text("座机0597-4812345")


def test_a_person_is_found_by_the_full_id_number_only_and_the_lookup_is_audited(officer, outsider, committed):
    id_number = wuping_id(731)
    with committed():
        person = person_create(actor=officer, name="钟检索", id_number=id_number, phone="13955507310")
    log = AuditLog()
    for fragment in (id_number[:6], id_number[-4:], id_number[:17], id_number[6:14], "1395550", "7310"):
        assert ("person", person.pk) not in found(officer, fragment)
    spaced = f"{id_number[:6]} {id_number[6:14]}-{id_number[14:].lower()}"
    assert found(officer, spaced) == {("person", person.pk)}
    assert found(officer, "139-5550-7310") == {("person", person.pk)}
    # Fragments that look like a phone number (7–12 digits) are exact phone look-ups that find no one.
    entries = log.entries("search.identifier")
    assert [e.changes["found"] for e in entries] == [[], [], [person.pk], [person.pk]]
    assert all(id_number not in e.object_label for e in entries)
    # Out of scope: nothing, and still audited.
    assert found(outsider, id_number) == set()
    assert log.entries("search.identifier", actor_username="pingchuan_officer")[0].changes["found"] == []
    # By name, within scope; the snippet shows the ID masked.
    hit = next(h for h in selectors.search(actor=officer, query="钟检索").hits if h.object_id == person.pk)
    assert id_number not in str(hit.snippet) and id_number[:6] in str(hit.snippet)


def test_roles_without_any_record_type_find_nothing(user_of, officer, incident):
    incident(officer, "桃溪村电动车被盗窃。")
    assert found(user_of("auditor"), "电动车") == set()
    assert selectors.searchable_kinds(user_of("admin")) == []


def test_filters_narrow_by_type_status_and_period(officer, incident, case):
    from datetime import timedelta

    from django.utils import timezone

    made = incident(officer, "桃溪村民反映电动车被盗窃。")
    kase = case(officer, "桃溪电动车被盗案", "电动车被盗窃。")
    assert found(officer, "电动车", kind="case") >= {("case", kase.pk)}
    assert ("incident", made.pk) not in found(officer, "电动车", kind="case")
    assert ("incident", made.pk) in found(officer, "电动车", status=made.status)
    assert ("case", kase.pk) not in found(officer, "电动车", status=made.status)
    today = timezone.localdate()
    assert ("incident", made.pk) in found(
        officer, "电动车", date_from=today - timedelta(days=1), date_to=today
    )
    assert ("incident", made.pk) not in found(officer, "电动车", date_to=today - timedelta(days=3))


def test_reindex_rebuilds_and_drops_stale_entries(officer, incident):
    made = incident(officer, "桃溪村民反映电动车被盗窃。")
    SearchEntry.objects.filter(kind="incident", object_id=made.pk).delete()
    SearchEntry.objects.create(
        kind="incident",
        object_id=10**9,
        title="gone",
        body="gone",
        tokens="g o n e",
        occurred_at=made.received_at,
    )
    counts = search_reindex(kinds=["incident"])
    assert counts["incident"] >= 1
    assert ("incident", made.pk) in found(officer, "电动车 盗窃")
    assert not SearchEntry.objects.filter(kind="incident", object_id=10**9).exists()


def test_search_page_and_api(client, officer, incident):
    made = incident(officer, "桃溪村民反映电动车被盗窃<i>。")
    client.force_login(officer)
    page = client.get("/search/", {"q": "盗窃 电动车 桃溪"})
    assert page.status_code == 200
    assert f'data-kind="incident" data-id="{made.pk}"' in page.text and "<mark>盗窃</mark>" in page.text
    assert "&lt;i&gt;" in page.text
    api = login("officer")
    response = api.get("/api/search", q="盗窃 电动车 桃溪", type="incident")
    assert response.status_code == 200
    body = response.json()
    assert made.pk in [r["id"] for r in body["results"]]
    assert all(r["type"] == "incident" for r in body["results"])
    assert login("auditor").get("/api/search", q="盗窃").status_code == 403
    client.force_login(officer.__class__.objects.get(username="auditor"))
    assert client.get("/search/", {"q": "盗窃"}).status_code == 403


def test_a_renamed_party_is_found_under_the_new_name_in_their_case(officer, case, committed):
    from jingwu.cases.services import party_add
    from jingwu.people.services import person_update

    kase = case(officer, "桃溪村民家中被盗案", "报案人称其家中财物被盗。")
    with committed():
        person = person_create(actor=officer, name="钟旧名", phone="13955507311")
        party_add(actor=officer, case_id=kase.pk, person_id=person.pk, role="suspect")
    assert ("case", kase.pk) in found(officer, "钟旧名")
    with committed():
        person_update(
            actor=officer,
            person_id=person.pk,
            version=person.version,
            name="钟新名",
            sex=person.sex,
            id_number=None,
            phone=person.phone,
            address="",
            notes="",
        )
    assert ("case", kase.pk) in found(officer, "钟新名")
    assert ("person", person.pk) in found(officer, "钟新名")
    assert ("case", kase.pk) not in found(officer, "钟旧名")


def test_every_substring_is_found_on_this_database(user_of):
    """The phrase semantics on the backend under test (SQLite FTS5 or PostgreSQL tsvector): every
    substring of up to four characters of a narrative finds it; reversed pairs and pairs across
    punctuation do not."""
    from jingwu.search.dictionary import segmenter
    from jingwu.search.tokenizer import index_tokens, parse_query

    text = "李四的电动车在湘店镇被盗，价值2000元"
    entry = SearchEntry.objects.create(
        kind="case",
        object_id=10**9 + 7,
        title="测试",
        body=text,
        subkind="criminal",
        tokens=index_tokens([text], segmenter()),
        occurred_at="2026-01-01T00:00:00Z",
    )
    leader = user_of("leader")

    def hit(query: str) -> bool:
        rows = selectors.full_text(SearchEntry.objects.filter(pk=entry.pk), parse_query(query, segmenter()))
        return rows.exists()

    for length in range(1, 5):
        for start in range(len(text) - length + 1):
            piece = text[start : start + length]
            if (
                any("\u4e00" <= ch <= "\u9fff" for ch in piece)
                and not piece[-1].isdigit()
                and not piece[0].isdigit()
            ):
                assert hit(piece), piece
    for absent in ("四李", "盗价", "被盗 摩托车", "200", "湘店 李五"):
        assert not hit(absent), absent
    assert selectors.search(actor=leader, query="李四 湘店").hits[0].object_id == entry.object_id


def test_only_the_newest_matches_are_ranked_beyond_the_cap(user_of, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from jingwu.search.dictionary import segmenter
    from jingwu.search.tokenizer import index_tokens

    monkeypatch.setattr(selectors, "CANDIDATES", 5)
    # PostgreSQL: the newest 3 are walked, the 2 more come from the GIN index's older matches.
    monkeypatch.setattr(selectors, "WALK", 3)
    now = timezone.now()
    texts = ["村民报称耕牛走失"] * 7
    SearchEntry.objects.bulk_create(
        SearchEntry(
            kind="case",
            object_id=10**9 + 100 + n,
            title="耕牛",
            body=t,
            subkind="criminal",
            tokens=index_tokens([t], segmenter()),
            occurred_at=now - timedelta(days=n),
        )
        for n, t in enumerate(texts)
    )
    result = selectors.search(actor=user_of("leader"), query="耕牛", per_page=3)
    assert result.capped and result.has_next
    page2 = selectors.search(actor=user_of("leader"), query="耕牛", per_page=3, page=2)
    assert not page2.has_next and len(page2.hits) == 2
    # The five last indexed (highest ids) are the candidates; the two first indexed are never ranked.
    seen = {h.object_id for h in result.hits + page2.hits}
    assert seen == {10**9 + 100 + n for n in range(2, 7)}


def test_the_status_filter_names_one_kind_state(client, officer, incident, case):
    made = incident(officer, "桃溪村民反映电动车被盗窃。")
    kase = case(officer, "桃溪电动车被盗案", "电动车被盗窃。")
    assert found(officer, "电动车", status=f"incident:{made.status}") >= {("incident", made.pk)}
    assert ("case", kase.pk) not in found(officer, "电动车", status=f"incident:{made.status}")
    assert ("case", kase.pk) in found(officer, "电动车", status=f"case:{kase.status}")
    client.force_login(officer)
    page = client.get("/search/", {"q": "电动车", "status": f"case:{kase.status}", "kind": "case"})
    assert page.status_code == 200
    assert f'data-kind="case" data-id="{kase.pk}"' in page.text and 'data-kind="incident"' not in page.text


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("officer", 200),
        ("dispatcher", 200),
        ("procurator", 200),
        ("mediator", 200),
        ("assistant", 200),
        ("leader", 200),
        ("auditor", 403),
        ("admin", 403),
        ("custody", 403),
        ("property_keeper", 403),
    ],
)
def test_who_may_open_the_search_page(client, user_of, username, status):
    client.force_login(user_of(username))
    assert client.get("/search/").status_code == status
    assert (
        client.get("/search/", {"q": "盗窃 电动车", "kind": "case", "date_from": "2026-01-01"}).status_code
        == status
    )


def test_a_case_acceptance_writes_its_entry_once(officer, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingwu.cases.services import case_accept

    with django_capture_on_commit_callbacks() as callbacks:
        made = case_accept(
            actor=officer, kind="criminal", title="桃溪耕牛被盗案", facts="村民耕牛被盗。", source="walk_in"
        )
    hooks = [c for c in callbacks if getattr(c, "__module__", "").startswith("jingwu.search")]
    # Its post_save and its audit entry both name the case; the second hook must not write again.
    assert len(hooks) >= 2
    with CaptureQueriesContext(connection) as queries:
        for hook in hooks:
            hook()
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if "search_searchentry" in q["sql"] and q["sql"].lstrip().startswith(("INSERT", "UPDATE"))
    ]
    assert len(writes) == 1, writes
    assert ("case", made.pk) in found(officer, "耕牛 被盗")


def test_a_scope_that_can_hold_nothing_finds_nothing():
    from jingwu.search.dictionary import segmenter
    from jingwu.search.tokenizer import index_tokens, parse_query

    entry = SearchEntry.objects.create(
        kind="case",
        object_id=10**9 + 9,
        title="耕牛",
        body="村民耕牛走失",
        tokens=index_tokens(["村民耕牛走失"], segmenter()),
        occurred_at="2026-01-01T00:00Z",
    )
    terms = parse_query("耕牛", segmenter())
    assert [pk for pk, _ in selectors.ranked(SearchEntry.objects.all(), terms)] == [entry.pk]
    # An empty scope (pk__in=[]) compiles to no SQL at all: the answer is empty, not an error.
    assert selectors.ranked(SearchEntry.objects.filter(pk__in=[]), terms) == []
    assert not selectors.full_text(SearchEntry.objects.filter(pk__in=[]), terms).exists()
