"""HTML to PDF for every app's documents (WeasyPrint): the CJK font, a URL fetcher that reads only local
files, and the export watermark. Nothing is ever loaded from the network."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib import request

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_FAMILY = "JingwuCJK"
FALLBACK_FAMILIES = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'


def font_available() -> bool:
    return FONT_FILE.is_file()


def font_css() -> str:
    """The stylesheet that binds the documents' font family to the WQY file when it is installed. It is
    set on <html>: the page margin boxes (page numbers) inherit from the root element, not <body>."""
    if font_available():
        face = f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{FONT_FILE.as_uri()}"); }}\n'
        return face + f'html {{ font-family: "{FONT_FAMILY}", {FALLBACK_FAMILIES}; }}\n'
    return f"html {{ font-family: {FALLBACK_FAMILIES}; }}\n"


def local_fetcher(*roots: Path) -> Any:
    """A URL fetcher for WeasyPrint that reads only the font file and files under ``roots`` (a document's
    template folder). It also saves WeasyPrint's default fetcher, whose construction builds an SSL
    context (~35 ms, twice per document)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = tuple(root.resolve() for root in roots)

    class LocalFetcher(URLFetcher):
        def __init__(self) -> None:
            request.OpenerDirector.__init__(self)
            self._timeout, self._http_headers, self._allowed_protocols = 10, {}, ("file",)
            self._fail_on_errors, self._request = False, None

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("file:"):
                raise ValueError(f"documents load local files only: {url}")
            path = Path(request.url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if path != FONT_FILE.resolve() and not any(path.is_relative_to(root) for root in allowed):
                raise ValueError(f"not a document resource: {url}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.open("rb"), {"Content-Type": kind})

    return LocalFetcher()


def html_to_pdf(html: str, *, base_dir: Path | None = None, actor: Any = None) -> bytes:
    """Render ``html`` to PDF bytes. Relative URLs resolve in ``base_dir`` (the only folder, besides the
    font, the document may read); an ``actor`` makes it an export, watermarked with who and when."""
    # Imported here: WeasyPrint loads Pango at import, which only PDF rendering needs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from jingwu.core.watermark import pdf_watermark_stylesheets

    fonts = FontConfiguration()
    fetcher = local_fetcher(*([base_dir] if base_dir else []))
    stylesheets = [
        CSS(string=font_css(), font_config=fonts, url_fetcher=fetcher),
        *pdf_watermark_stylesheets(actor, fonts, fetcher),
    ]
    base_url = base_dir.as_uri() + "/" if base_dir else None
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        stylesheets=stylesheets, font_config=fonts
    )
