"""Reading back what a generated PDF says, for the tests (Debian's poppler-utils; .ci/run installs it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext extracts it, whitespace removed (a long line may wrap anywhere). Skips
    the calling test when pdftotext is not installed."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (Debian poppler-utils) is not installed: the PDF's text was not checked")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        out = subprocess.run([pdftotext, "-enc", "UTF-8", str(source), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())
