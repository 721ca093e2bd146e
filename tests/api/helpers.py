"""Helpers for the API tests: a token-carrying client, ID numbers, audit look-ups."""

from __future__ import annotations

import csv
import json
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

from django.test import Client

ID_VECTORS = Path(__file__).resolve().parents[2] / "jingwu" / "data" / "idcard" / "gb11643_test_vectors.csv"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@cache
def vectors(expected: str) -> list[str]:
    """ID numbers of the GB 11643 test vectors whose source says `expected` ("valid", ...)."""
    with ID_VECTORS.open(encoding="utf-8", newline="") as f:
        return [row["id_number"] for row in csv.DictReader(f) if row["expected_by_source"] == expected]


def check_digit(first17: str) -> str:
    """GB 11643-1999 MOD 11-2."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def wuping_id(seq: int, birth: str = "20120229") -> str:
    """A valid Wuping (350824) ID number; the code exists since 1996, so births are 1996 or later.

    Born after every demo person, so it never clashes with the demo records in the test database.
    """
    body = f"350824{birth}{seq:03d}"
    return body + check_digit(body)


class Api:
    """A test Client speaking JSON, with the bearer token of one user."""

    def __init__(self, token: str | None = None, remote_addr: str = "127.0.0.1") -> None:
        self.client = Client(REMOTE_ADDR=remote_addr)
        self.token = token

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        call = getattr(self.client, method.lower())
        if method.upper() == "GET":
            return call(path, params, headers=headers)
        data = json.dumps(body) if body is not None else None
        return call(path, data=data, content_type="application/json", headers=headers)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, **params)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.request("PUT", path, body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def issue_token(username: str, password: str | None = None, remote_addr: str = "127.0.0.1") -> Any:
    from jingwu.org.demo import DEMO_PASSWORD

    return Api(remote_addr=remote_addr).post(
        "/api/auth/token", {"username": username, "password": password or DEMO_PASSWORD}
    )


def login(username: str) -> Api:
    response = issue_token(username)
    assert response.status_code == 200, response.content
    return Api(response.json()["token"])


class AuditLog:
    """The audit entries written since this object was made (the test database holds older ones)."""

    def __init__(self) -> None:
        from django.db.models import Max

        from jingwu.audit.models import AuditEntry

        self.after = AuditEntry.objects.aggregate(seq=Max("seq"))["seq"] or 0

    def entries(self, action: str, **filters: Any) -> list[Any]:
        from jingwu.audit.models import AuditEntry

        return list(AuditEntry.objects.filter(seq__gt=self.after, action=action, **filters).order_by("seq"))


_no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_json(
    base: str,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request over real HTTP (urllib, no proxy); every answer, error or not, must be JSON."""
    sent = {"Accept": "application/json", **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, headers=sent, method=method)
    try:
        with _no_proxy.open(request, timeout=60) as response:
            assert response.headers["Content-Type"].startswith("application/json")
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        assert error.headers["Content-Type"].startswith("application/json"), error.headers
        return error.code, json.loads(error.read() or b"null")
