"""The REST API (django-ninja): one NinjaAPI, each app contributes its router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Jingwu API", version="1", urls_namespace="api")
