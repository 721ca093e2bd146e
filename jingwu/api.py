"""The REST API (django-ninja): one NinjaAPI, each app contributes its router.

Every error is JSON of one shape, `{"detail": "<中文说明>", "errors": {field: message}}`, so a
client shows `detail` and marks the fields in `errors`. Every endpoint needs a bearer token
(POST /api/auth/token issues one), except the token endpoint itself.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jingwu.access.api import TokenAuth
from jingwu.access.api import router as auth_router
from jingwu.cases.api import router as cases_router
from jingwu.community.api import router as community_router
from jingwu.core.errors import Conflict, ServiceError
from jingwu.custody.api import router as custody_router
from jingwu.ecology.api import router as ecology_router
from jingwu.enterprises.api import router as enterprises_router
from jingwu.geo.api import router as places_router
from jingwu.incidents.api import router as incidents_router
from jingwu.mediation.api import router as disputes_router
from jingwu.org.api import router as units_router
from jingwu.people.api import router as persons_router
from jingwu.property.api import router as property_router
from jingwu.quality.api import router as quality_router
from jingwu.search.api import router as search_router
from jingwu.stats.api import router as stats_router
from jingwu.supervision.api import router as notices_router

logger = logging.getLogger("jingwu.api")

# The one error shape, declared in the schema as every operation's `default` response, so clients
# (and the schemathesis run in tests/security/test_api_schema_fuzz.py) know what a 4xx/5xx body holds.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "minLength": 1, "description": "中文说明"},
        "errors": {"type": "object", "additionalProperties": {"type": "string"}},
        "existing_id": {"type": ["integer", "null"], "description": "409 重复时已有记录的编号"},
    },
    "required": ["detail", "errors"],
}


class JingwuAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"$ref": "#/components/schemas/Error"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation.setdefault("responses", {}).setdefault(
                    "default", {"description": "错误", "content": {"application/json": {"schema": error}}}
                )
        return schema


api = JingwuAPI(
    title="Jingwu API",
    description=(
        "武平县公安局警务系统接口。先以 POST /api/auth/token 换取令牌，"
        "再以 `Authorization: Bearer <令牌>` 调用。"
    ),
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    openapi_url="/openapi.json",
    # Swagger UI's assets come from ninja's own static files (no CDN on the intranet): that needs
    # "ninja" in INSTALLED_APPS, otherwise ninja falls back to a CDN template.
    docs=Swagger(settings={"persistAuthorization": True}),
    docs_url="/docs",
)


def error_response(
    request: HttpRequest, status: int, detail: str, errors: dict[str, str] | None = None, **extra: Any
) -> HttpResponse:
    """The one error shape of the API."""
    return api.create_response(request, {"detail": detail, "errors": errors or {}, **extra}, status=status)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    extra = {"existing_id": exc.existing_id} if isinstance(exc, Conflict) else {}
    return error_response(request, exc.status_code, exc.message, exc.field_errors, **extra)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, 403, "无权执行此操作")


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # A body over DATA_UPLOAD_MAX_MEMORY_SIZE: the client's fault, not a server error.
    return error_response(request, 413, "请求内容过大")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "未找到")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(request, 401, "未登录或令牌无效、已过期、已注销，请重新获取令牌")
    response["WWW-Authenticate"] = 'Bearer realm="jingwu"'
    return response


_HTTP_ERROR_DETAIL = {
    400: "请求内容无法解析",
    403: "无权执行此操作",
    404: "未找到",
    405: "不支持该请求方法",
    429: "请求过于频繁，请稍后再试",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, _HTTP_ERROR_DETAIL.get(exc.status_code, exc.message))


def _field_message(error: dict[str, Any]) -> str:
    """A Chinese message for one pydantic error (the user never sees pydantic's English)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必填"
    if kind in {"string_type", "string_sub_type"}:
        return "应为文本"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "应为整数"
    if kind in {"bool_type", "bool_parsing"}:
        return "应为是或否（true/false）"
    if kind == "string_too_long":
        return f"最多{ctx.get('max_length')}个字符"
    if kind == "string_too_short":
        return f"至少{ctx.get('min_length')}个字符"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"不能小于{ctx.get('ge', ctx.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"不能大于{ctx.get('le', ctx.get('lt'))}"
    if kind == "string_pattern_mismatch":
        return "格式不正确"
    if kind.startswith(("datetime", "date")):
        return "日期格式不正确"
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return "请求内容应为 JSON 对象"
    return "输入无效"


# The first part of a location is where the value came from, then ninja's own wrapper names.
_LOCATION_PARTS = {"body", "query", "path", "header", "cookie", "form", "file", "payload"}


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if str(part) not in _LOCATION_PARTS]
        errors.setdefault(".".join(loc) or "__all__", _field_message(error))
    return error_response(request, 422, "请求参数有误，请检查后重试", errors)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # The database restarting or unreachable (tests/security/test_db_restart.py): not a bug, so a 503
    # the client retries — writes with the same Idempotency-Key, since a commit cut off mid-way may
    # have landed. The next request reconnects by itself (CONN_MAX_AGE with conn_health_checks).
    logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
    response = error_response(request, 503, "数据库暂时不可用，请稍后重试")
    response["Retry-After"] = "2"
    return response


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback for the operator; the client gets JSON, never a debug page.
    logger.error("Unhandled API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, 500, "服务器内部错误，请稍后再试或联系系统管理员")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 handler (jingwu/urls.py): a path under /api/ that matches no route (a letter where
    an id belongs, a typo) answers in the API's JSON error shape, not with an HTML page."""
    if request.path.startswith("/api/"):
        return HttpResponse(
            json.dumps({"detail": "未找到", "errors": {}}, ensure_ascii=False),
            status=404,
            content_type="application/json; charset=utf-8",
        )
    return page_not_found(request, exception)


api.add_router("/auth/", auth_router)
api.add_router("/units/", units_router)
api.add_router("/places/", places_router)
api.add_router("/persons/", persons_router)
# The issue names the collection without a trailing slash: POST /api/incidents.
api.add_router("/incidents", incidents_router)
api.add_router("/cases", cases_router)
api.add_router("/custody", custody_router)
api.add_router("/disputes", disputes_router)
api.add_router("/ecology", ecology_router)
api.add_router("/community", community_router)
api.add_router("/enterprises", enterprises_router)
api.add_router("/notices", notices_router)
api.add_router("/property", property_router)
api.add_router("/quality", quality_router)
api.add_router("/search", search_router)
api.add_router("/stats", stats_router)
