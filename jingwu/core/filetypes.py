"""Attachment type checks (附件类型校验): an upload is accepted only when its extension is on the allowed
list, the type its client declared agrees with that extension, and its first bytes are that format's
signature ("magic bytes"). A script or a web page renamed to .pdf is refused. Pure Python, no Django.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

# What clients send when they do not know the type: no claim, so only the extension and content count.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/x-download"})


class UploadRefused(ValueError):
    """An upload whose type is not allowed or whose content does not match it; `message` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _zip_with(*members: str) -> Callable[[bytes], bool]:
    def check(content: bytes) -> bool:
        if not content.startswith(b"PK\x03\x04"):
            return False
        try:
            names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(members) for n in names)

    return check


_MARKUP = re.compile(rb"<\s*(script|html|!doctype|iframe|svg|body|object|embed|\?php)\b", re.IGNORECASE)


def _plain_text(content: bytes) -> bool:
    # Text is text: decodable (UTF-8, or GB18030 as Chinese Windows writes it), no NUL, and neither a
    # script (#!) nor markup a browser would run.
    if b"\0" in content or content.lstrip().startswith(b"#!") or _MARKUP.search(content):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _mp3(content: bytes) -> bool:
    return content.startswith(b"ID3") or (
        len(content) > 1 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0
    )


@dataclass(frozen=True)
class FileType:
    label: str  # shown in messages
    content_type: str  # what is recorded and served
    declared: frozenset[str]  # declared types that agree with it
    matches: Callable[[bytes], bool]


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda content: content.startswith(prefixes)


def _riff(form: bytes) -> Callable[[bytes], bool]:
    return lambda content: content[:4] == b"RIFF" and content[8:12] == form


_PDF = FileType(
    "PDF", "application/pdf", frozenset({"application/pdf", "application/x-pdf"}), _starts(b"%PDF-")
)
_JPEG = FileType(
    "JPEG", "image/jpeg", frozenset({"image/jpeg", "image/jpg", "image/pjpeg"}), _starts(b"\xff\xd8\xff")
)
_DOC = frozenset({"application/msword", "application/vnd.ms-excel"})
_OOXML_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_OOXML_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The allowed attachments of a case file, by extension.
ALLOWED: dict[str, FileType] = {
    ".pdf": _PDF,
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".png": FileType("PNG", "image/png", frozenset({"image/png"}), _starts(b"\x89PNG\r\n\x1a\n")),
    ".webp": FileType("WebP", "image/webp", frozenset({"image/webp"}), _riff(b"WEBP")),
    ".txt": FileType("文本", "text/plain", frozenset({"text/plain"}), _plain_text),
    ".docx": FileType("Word", _OOXML_WORD, frozenset({_OOXML_WORD}), _zip_with("word/")),
    ".xlsx": FileType("Excel", _OOXML_EXCEL, frozenset({_OOXML_EXCEL}), _zip_with("xl/")),
    ".doc": FileType("Word", "application/msword", _DOC, _starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    ".xls": FileType("Excel", "application/vnd.ms-excel", _DOC, _starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")),
    ".mp4": FileType("MP4", "video/mp4", frozenset({"video/mp4"}), lambda c: c[4:8] == b"ftyp"),
    ".mp3": FileType("MP3", "audio/mpeg", frozenset({"audio/mpeg", "audio/mp3"}), _mp3),
    ".wav": FileType(
        "WAV", "audio/wav", frozenset({"audio/wav", "audio/x-wav", "audio/wave"}), _riff(b"WAVE")
    ),
}

ALLOWED_LABEL = "PDF、JPEG、PNG、WebP、TXT、Word、Excel、MP4、MP3、WAV"


def check_upload(file_name: str, content: bytes, declared_type: str) -> str:
    """The content type to record for an allowed upload whose content is what its name says; raise
    `UploadRefused` (message in Chinese) otherwise."""
    suffix = "." + file_name.rsplit(".", 1)[1].lower() if "." in file_name else ""
    kind = ALLOWED.get(suffix)
    if kind is None:
        shown = suffix or "无扩展名"
        raise UploadRefused(f"不支持的附件类型（{shown}），仅允许 {ALLOWED_LABEL}")
    declared = (declared_type or "").split(";", 1)[0].strip().lower()
    if declared not in GENERIC_TYPES and declared not in kind.declared:
        raise UploadRefused(f"文件类型（{declared}）与扩展名 {suffix} 不符")
    if not kind.matches(content):
        raise UploadRefused(f"文件内容与类型不符：扩展名为 {suffix}，但内容不是 {kind.label} 文件")
    return kind.content_type
