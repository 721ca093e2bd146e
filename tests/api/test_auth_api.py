"""Token authentication, the error shape, the schema and docs; plus the API over real HTTP."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.utils import timezone

from jingwu.access.models import ApiToken
from jingwu.audit.models import Outcome
from jingwu.org.demo import DEMO_PASSWORD
from tests.api.helpers import Api, AuditLog, http_json, issue_token, login, wuping_id

pytestmark = pytest.mark.django_db


def test_token_issue_stores_only_the_hash_and_audits(audit: AuditLog) -> None:
    before = timezone.now()
    response = issue_token("officer")

    assert response.status_code == 200
    raw = response.json()["token"]
    assert len(raw) >= 40
    token = ApiToken.objects.get(user__username="officer")
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    lifetime = settings.API_TOKEN_LIFETIME
    assert before + lifetime <= token.expires_at <= timezone.now() + lifetime
    expires = response.json()["expires_at"]
    assert abs(timezone.datetime.fromisoformat(expires) - token.expires_at) < timedelta(seconds=1)
    [entry] = audit.entries("auth.token", outcome=Outcome.ALLOWED)
    assert (entry.actor_username, entry.object_id) == ("officer", str(token.pk))


def test_me_describes_the_token_holder() -> None:
    response = login("officer").get("/api/auth/me")

    assert response.status_code == 200
    me = response.json()
    assert me["username"] == "officer"
    assert me["full_name"] == "李志强"
    assert me["roles"] == ["officer"]
    assert me["unit_code"] == "wp-ps-350824105-sq"
    assert ApiToken.objects.get(user__username="officer").last_used_at is not None


@pytest.mark.parametrize("token", [None, "not-a-token", ""])
def test_missing_or_unknown_token_is_a_json_401(token: str | None) -> None:
    response = Api(token).get("/api/auth/me")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未登录或令牌无效、已过期、已注销，请重新获取令牌", "errors": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_login_does_not_authenticate_the_api(user_of: Any) -> None:
    # The API is bearer-only, so a browser session cannot be ridden by a cross-site request.
    api = Api()
    api.client.force_login(user_of("leader"))
    assert api.get("/api/persons/").status_code == 401


def test_wrong_password_is_401_json_and_audited_as_denied(audit: AuditLog) -> None:
    response = issue_token("officer", password="wrong-password-1")

    assert response.status_code == 401
    assert response.json() == {"detail": "用户名或密码错误", "errors": {}}
    [entry] = audit.entries("auth.token")
    assert entry.outcome == Outcome.DENIED
    assert entry.object_label == "officer"
    assert entry.actor_id is None
    assert not ApiToken.objects.exists()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password() -> None:
    response = issue_token("nobody-here", password="whatever-123")

    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误"


def test_expired_token_is_rejected() -> None:
    api = login("officer")
    assert api.get("/api/auth/me").status_code == 200

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api.get("/api/auth/me").status_code == 401


def test_revoke_ends_only_the_current_token(audit: AuditLog) -> None:
    first, second = login("officer"), login("officer")

    response = first.delete("/api/auth/token")

    assert response.status_code == 204
    assert first.get("/api/auth/me").status_code == 401
    assert second.get("/api/auth/me").status_code == 200
    revoked = ApiToken.objects.get(key_hash=hashlib.sha256(first.token.encode()).hexdigest())
    assert revoked.revoked_at is not None
    assert [e.object_id for e in audit.entries("auth.token.revoke")] == [str(revoked.pk)]


def test_deactivated_user_loses_the_api(user_of: Any) -> None:
    api = login("officer")
    user = user_of("officer")
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert api.get("/api/auth/me").status_code == 401
    assert issue_token("officer").status_code == 401


def test_lockout_after_the_failure_limit_is_json_429(audit: AuditLog) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    addr = "10.9.8.7"
    for _ in range(limit - 1):
        assert issue_token("officer", password="wrong-password-1", remote_addr=addr).status_code == 401

    last_failure = issue_token("officer", password="wrong-password-1", remote_addr=addr)
    right_password = issue_token("officer", password=DEMO_PASSWORD, remote_addr=addr)

    assert last_failure.status_code == 429
    assert right_password.status_code == 429
    assert right_password["Content-Type"].startswith("application/json")
    assert "锁定" in right_password.json()["detail"]
    assert right_password.json()["errors"] == {}
    assert not ApiToken.objects.exists()
    reasons = [e.changes["reason"] for e in audit.entries("auth.token", outcome=Outcome.DENIED)]
    assert reasons.count("locked_out") == 2
    assert reasons.count("bad_credentials") == limit - 1


def test_a_success_before_the_limit_resets_the_failure_count() -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        issue_token("officer", password="wrong-password-1")
    assert issue_token("officer").status_code == 200

    assert issue_token("officer", password="wrong-password-1").status_code == 401


def test_malformed_request_is_422_with_chinese_field_errors() -> None:
    response = Api().post("/api/auth/token", {"username": "officer"})

    assert response.status_code == 422
    assert response.json() == {"detail": "请求参数有误，请检查后重试", "errors": {"password": "必填"}}


def test_openapi_lists_the_endpoints_and_the_bearer_scheme() -> None:
    response = Api().get("/api/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in [
        "/api/auth/token",
        "/api/auth/me",
        "/api/units/",
        "/api/units/{unit_id}",
        "/api/places/townships",
        "/api/places/villages",
        "/api/places/{code12}",
        "/api/persons/",
        "/api/persons/{person_id}",
        "/api/persons/{person_id}/reveal",
    ]:
        assert path in paths, path
    assert set(paths["/api/persons/"]) == {"get", "post"}
    assert set(paths["/api/auth/token"]) == {"post", "delete"}
    assert "security" not in paths["/api/auth/token"]["post"]
    assert paths["/api/persons/"]["get"]["security"] == [{"TokenAuth": []}]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_docs_use_locally_served_assets() -> None:
    from django.contrib.staticfiles import finders

    # Without "ninja" in INSTALLED_APPS ninja renders a page that loads Swagger UI from a CDN,
    # which the intranet cannot reach.
    assert "ninja" in settings.INSTALLED_APPS, 'add "ninja" to INSTALLED_APPS (jingwu/settings.py)'
    response = Api().get("/api/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "https://" not in page
    assert finders.find("ninja/swagger-ui-bundle.js")


# --- over real HTTP: a runserver subprocess on its own database ---------------------------------


@pytest.mark.django_db(False)
class TestOverRealHttp:
    def _token(self, base: str, username: str) -> str:
        status, body = http_json(
            base, "POST", "/api/auth/token", body={"username": username, "password": DEMO_PASSWORD}
        )
        assert status == 200, body
        return body["token"]

    def test_without_a_token_is_a_json_401(self, http_server: str) -> None:
        status, body = http_json(http_server, "GET", "/api/persons/")
        assert status == 401
        assert body["detail"].startswith("未登录")

    def test_token_login_then_units_and_persons(self, http_server: str) -> None:
        token = self._token(http_server, "officer")

        status, me = http_json(http_server, "GET", "/api/auth/me", token)
        assert (status, me["username"]) == (200, "officer")
        status, units = http_json(http_server, "GET", "/api/units/", token)
        assert status == 200
        assert "wp-ps-350824105" in {u["code"] for u in units}
        assert "wp-ps-350824001" not in {u["code"] for u in units}
        status, created = http_json(
            http_server,
            "POST",
            "/api/persons/",
            token,
            {"name": "实网测试", "id_number": wuping_id(901), "phone": "13812345678"},
        )
        assert status == 201, created
        status, page = http_json(http_server, "GET", "/api/persons/?" + urlencode({"q": "实网测试"}), token)
        assert status == 200
        assert [p["id_number"] for p in page["items"]] == [
            wuping_id(901)[:6] + "********" + wuping_id(901)[-4:]
        ]

    def test_another_stations_person_is_a_json_404(self, http_server: str) -> None:
        pingchuan = self._token(http_server, "pingchuan_officer")
        status, created = http_json(
            http_server, "POST", "/api/persons/", pingchuan, {"name": "平川人员", "id_number": wuping_id(902)}
        )
        assert status == 201, created

        officer = self._token(http_server, "officer")
        status, body = http_json(http_server, "GET", f"/api/persons/{created['id']}", officer)
        assert (status, body) == (404, {"detail": "未找到", "errors": {}})
        status, _ = http_json(http_server, "DELETE", "/api/auth/token", officer)
        assert status == 204
        status, _ = http_json(http_server, "GET", "/api/auth/me", officer)
        assert status == 401
