"""PDF rendering benchmark (法律文书 PDF 生成耗时): seconds per legal document.

    python -m bench.bench_pdf [--count 10]   (also --size N; --backend is accepted and ignored)

Renders `--count` documents (cycling through every kind of jingwu/cases/data/documents.yaml) with
`jingwu.cases.documents.render_pdf` — the Django template, WeasyPrint layout, font subsetting of
WenQuanYi Micro Hei (or the fallback font when it is not installed), PDF writing — from a realistic
context, after one unmeasured warm-up render (imports, font loading). No database is used: the
figure is the rendering cost that `document_generate` adds to its few queries.

Prints one figure (bench.figures.emit) on stdout: pdf_render, the mean seconds per document, backend
"none" (no database); details (cold first render, min/max, font) go to stderr and into the figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from bench.figures import emit


def _context(kind: Any, serial: int) -> dict[str, Any]:
    case_kind = kind.kinds[0]
    party = {
        "key": "P1",
        "role": "suspect",
        "role_label": "犯罪嫌疑人" if case_kind == "criminal" else "违法嫌疑人",
        "name": "李某强",
        "sex": "男",
        "id_number_masked": "350824********1330",
        "phone_masked": "138****5678",
        "address_masked": "武平县桃溪镇***",
    }
    values = {
        "name": party["name"],
        "case_title": "桃溪村钟某家中财物被盗案",
        "case_number": "WP-WB-AJ-2026-00001",
        "offence": "盗窃罪" if case_kind == "criminal" else "盗窃",
        "issuer": "武平县公安局",
        "reviewing_unit": "武北区域联合派出所案件办理队",
        "accepted_date": "2026年11月29日",
        "article": "第58条",
        "detail": "行政拘留五日" if case_kind == "administrative" else "犯罪嫌疑人死亡",
    }

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text

    return {
        "kind": kind.code,
        "title": kind.title,
        "number": f"武公（刑）{kind.word}字〔2026〕{serial}号",
        "issuer": "武平县公安局",
        "procuratorate": "武平县人民检察院",
        "review_body": "武平县人民政府",
        "case": {
            "number": values["case_number"],
            "title": values["case_title"],
            "kind": case_kind,
            "kind_label": "刑事案件" if case_kind == "criminal" else "行政（治安）案件",
            "offence": values["offence"],
            "facts": "2026年11月，报案人钟秀兰家中一台电动车及现金三千元被盗，门锁有撬压痕迹。" * 3,
            "source_label": "群众报案/控告/举报",
            "transfer_agency": "",
            "accepted_at": "2026年11月29日09时30分",
            "filed_at": "2026年11月29日16时05分",
            "station": "桃溪派出所",
            "reviewing_unit": values["reviewing_unit"],
            "handling_unit": "桃溪派出所",
            "lead_officer": {"name": "李志强", "badge_number": "350811"},
            "officers": [{"name": "刘建平", "badge_number": "350812"}],
            "is_major": False,
        },
        "party": party,
        "parties": [party],
        "evidence": [
            {"number": "1", "name": "现场勘验笔录", "description": "门锁撬压痕迹"},
            {"number": "2", "name": "监控录像", "description": "村口监控"},
        ],
        "decision": fill(kind.decision[case_kind]),
        "legal_basis": fill(kind.legal_basis[case_kind]),
        "detail": values["detail"],
        "detail_label": kind.detail,
        "date": "2026年11月29日",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", "--size", type=int, default=10, help="documents rendered (default 10)")
    parser.add_argument("--backend", default="none", help="ignored: no database is used")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingwu.settings")
    import django

    django.setup()
    from jingwu.cases.documents import catalogue, render_pdf
    from jingwu.core.pdf import font_available

    kinds = list(catalogue().kinds.values())
    started = time.perf_counter()
    render_pdf(kinds[0].template, _context(kinds[0], 0))
    cold = time.perf_counter() - started
    times = []
    for index in range(args.count):
        kind = kinds[index % len(kinds)]
        context = _context(kind, index + 1)
        started = time.perf_counter()
        pdf = render_pdf(kind.template, context)
        times.append(time.perf_counter() - started)
        assert pdf.startswith(b"%PDF"), kind.code
    mean = sum(times) / len(times)
    emit(
        "pdf_render",
        "none",
        args.count,
        mean,
        "s",
        min_s=round(min(times), 4),
        max_s=round(max(times), 4),
        cold_s=round(cold, 4),
        font="wqy" if font_available() else "fallback",
    )
    print(
        f"{args.count} documents: mean {mean:.3f} s, min {min(times):.3f} s, max {max(times):.3f} s; "
        f"cold first render {cold:.3f} s; font: "
        + ("WenQuanYi Micro Hei file" if font_available() else "fallback family (WQY not installed)"),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
