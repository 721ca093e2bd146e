"""Schema fuzzing (接口模糊测试) with schemathesis: every operation of /api/openapi.json, called over real
HTTP on a live demo server with the bearer token of a privileged role (leader) and of an ordinary one
(officer), with data that fits the schema and with data that does not. Every answer must be below 500,
every error must be the API's JSON error shape with a message, and every response must match its
schema (the status, the content type and the body).

The number of examples is bounded (JINGWU_FUZZ_EXAMPLES per operation and mode, 6 by default), the
generation is derandomized (the same cases on every run) and nothing is shrunk, so the run stays
within a few minutes; raise the number locally for a deeper run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import http_json
from tests.livestack import free_port, live_database

ROOT = Path(__file__).resolve().parents[2]

schemathesis = pytest.importorskip("schemathesis")
pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("JINGWU_FUZZ_EXAMPLES", "6"))
ROLES = ("leader", "officer")
# Revoking the token would log the fuzzer itself out; the endpoint takes no input to fuzz anyway, and
# tests/api/test_auth_api.py covers it.
SKIPPED = {("DELETE", "/api/auth/token")}


@contextmanager
def own_demo_server(tmp: Path) -> Iterator[str]:
    """As tests/livestack.py's live_demo_server, but a server of its own (the fuzzer writes a lot, the
    shared session server must stay as loaded) and more patience starting on a busy CI machine."""
    with live_database(tmp) as database_url:
        env = {**os.environ, "JINGWU_MODE": "demo", "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
        env.pop("JINGWU_OTP_ENFORCED", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--no-input", "-v0"], ["demo_load"]):
            subprocess.run(manage + command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        port = free_port()
        with (tmp / "server.log").open("w") as log:
            server = subprocess.Popen(
                [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        try:
            _wait_until_up(f"http://127.0.0.1:{port}/login/", server, seconds=300)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited before answering"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:  # refused, or a read timing out on a busy machine
            time.sleep(0.5)
    raise AssertionError(f"no answer from {url} within {seconds} s")


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    from jingwu.org.demo import DEMO_PASSWORD

    with own_demo_server(tmp_path_factory.mktemp("fuzz")) as url:
        tokens = {}
        for username in ROLES:  # before any fuzzed login attempt can lock 127.0.0.1 out
            status, body = http_json(
                url, "POST", "/api/auth/token", body={"username": username, "password": DEMO_PASSWORD}
            )
            assert status == 200, body
            tokens[username] = body["token"]
        yield url, tokens


def error_is_json_with_a_message(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx is application/json with a non-empty `detail` (jingwu/api.py's error shape)."""
    if response.status_code < 400:
        return None
    content_type = (response.headers.get("content-type") or [""])[0]
    if not content_type.startswith("application/json"):
        raise AssertionError(f"{response.status_code} answered as {content_type!r}, not JSON")
    body = json.loads(response.content or b"null")
    if not (isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"].strip()):
        raise AssertionError(f"{response.status_code} without a message: {response.content[:300]!r}")
    return True


def fuzz(url: str, token: str) -> tuple[list[str], int, dict[int, int]]:
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(url + "/api/openapi.json")
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        error_is_json_with_a_message,
    ]
    headers = {"Authorization": f"Bearer {token}"}
    problems: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                # The fuzzer's own Authorization header would replace the token: ours wins.
                case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
                response = case.call(base_url=url, headers=headers, timeout=60)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                case.validate_response(response, checks=checks, headers=headers)

            try:
                run()
            except (Exception, BaseExceptionGroup) as error:  # one finding per operation and mode
                problems.append(f"{operation.label} [{mode.value}]: {str(error)[:1500]}")
    return problems, operations, statuses


def test_every_operation_declares_the_error_shape(live) -> None:
    url, _ = live
    status, schema = http_json(url, "GET", "/api/openapi.json")
    assert status == 200
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail", "errors"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"]["default"]["content"]["application/json"], (method, path)


def test_a_path_matching_no_route_is_a_json_404(live) -> None:
    url, tokens = live
    # Found by the fuzzer: a letter where an id belongs matched no route and got Django's HTML page.
    status, body = http_json(url, "GET", "/api/units/g%08", token=tokens["leader"])
    assert status == 404 and body == {"detail": "未找到", "errors": {}}


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live, role: str) -> None:
    url, tokens = live
    problems, operations, statuses = fuzz(url, tokens[role])
    print(f"{role}: {operations} operations, responses by status {dict(sorted(statuses.items()))}")
    assert operations >= 100  # every router is in the schema, nothing silently skipped
    assert sum(n for s, n in statuses.items() if s < 300) > 0  # the token works: not all refused
    assert not problems, "\n\n".join(problems)
