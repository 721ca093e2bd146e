"""Writes of the statistics app: 平安三率 survey rounds and responses (entered or imported from .xlsx)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from django.db import transaction

from jingwu.access.policy import require, unit_scope
from jingwu.audit.services import audit_record
from jingwu.core.errors import ServiceError
from jingwu.geo.models import Division
from jingwu.stats.definitions import questionnaire
from jingwu.stats.models import SurveyResponse, SurveyRound

MAX_IMPORT_ROWS = 5000


def _township_in_scope(actor: Any, code: str) -> Division:
    town = Division.objects.filter(code=code, level=4).select_related("station").first()
    if town is None or town.station is None or not unit_scope(actor).contains(town.station.path):
        raise ServiceError("乡镇不存在或不在本单位辖区", {"township": "请选择本单位辖区内的乡镇"})
    return town


def survey_round_create(
    *, actor: Any, wave: str, township_code: str, held_from: date, held_to: date
) -> SurveyRound:
    """Open a survey round (测评批次) in a township of the actor's scope."""
    require(actor, "stats.survey")
    wave = wave.strip()
    if not wave:
        raise ServiceError("请填写测评批次", {"wave": "请填写测评批次"})
    if held_to < held_from:
        raise ServiceError("结束日期不能早于开始日期", {"held_to": "结束日期不能早于开始日期"})
    town = _township_in_scope(actor, township_code)
    with transaction.atomic():
        if SurveyRound.objects.filter(wave=wave, township=town).exists():
            raise ServiceError("该乡镇本批次测评已存在", {"wave": "该乡镇本批次测评已存在"})
        survey_round = SurveyRound.objects.create(
            wave=wave, township=town, held_from=held_from, held_to=held_to, created_by=actor
        )
        audit_record(actor=actor, action="stats.survey_round_create", obj=survey_round)
    return survey_round


def _visible_round(actor: Any, round_id: int) -> SurveyRound:
    survey_round = SurveyRound.objects.select_related("township__station").filter(pk=round_id).first()
    station = survey_round.township.station if survey_round else None
    if survey_round is None or station is None or not unit_scope(actor).contains(station.path):
        raise ServiceError("测评不存在或无权操作")
    return survey_round


def clean_answers(raw: dict[str, str]) -> dict[str, str]:
    """{question: option code} with every value checked against the questionnaire (text or code);
    an empty answer is left out (not answered)."""
    answers, errors = {}, {}
    for question in questionnaire().questions:
        value = str(raw.get(question.code) or "").strip()
        if not value:
            continue
        option = question.option(value)
        if option is None:
            errors[question.code] = f"“{value}”不是本题的选项"
        else:
            answers[question.code] = option.code
    if errors:
        raise ServiceError("答卷有无效选项", errors)
    if not answers:
        raise ServiceError("答卷为空", {"__all__": "至少回答一题"})
    return answers


def survey_response_record(*, actor: Any, round_id: int, answers: dict[str, str]) -> SurveyResponse:
    """Enter one respondent's answers (录入答卷)."""
    require(actor, "stats.survey")
    survey_round = _visible_round(actor, round_id)
    cleaned = clean_answers(answers)
    with transaction.atomic():
        response = SurveyResponse.objects.create(round=survey_round, answers=cleaned, entered_by=actor)
        audit_record(
            actor=actor, action="stats.survey_response", obj=survey_round, changes={"answers": cleaned}
        )
    return response


@dataclass(frozen=True)
class ImportResult:
    imported: int
    errors: list[str]


def survey_import_xlsx(*, actor: Any, round_id: int, content: bytes) -> ImportResult:
    """Import responses from a spreadsheet: a header row naming the questions (code or text), one
    respondent per row. All or nothing: any invalid row rejects the file, with the rows named."""
    from openpyxl import load_workbook

    require(actor, "stats.survey")
    survey_round = _visible_round(actor, round_id)
    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ServiceError("无法读取表格文件，请上传 .xlsx 文件", {"file": "无法读取表格文件"}) from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(c or "").strip() for c in next(rows, ())]
    by_title = {q.text: q.code for q in questionnaire().questions} | {
        q.code: q.code for q in questionnaire().questions
    }
    columns = {i: by_title[h] for i, h in enumerate(header) if h in by_title}
    if not columns:
        raise ServiceError("表头未包含问卷题目", {"file": "第一行应为题目（题号或题目原文）"})
    cleaned: list[dict[str, str]] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        raw = {
            code: str(row[i]) if i < len(row) and row[i] is not None else "" for i, code in columns.items()
        }
        if not any(raw.values()):
            continue
        try:
            cleaned.append(clean_answers(raw))
        except ServiceError as exc:
            errors.append(f"第{number}行：" + "；".join(f"{k} {v}" for k, v in exc.field_errors.items()))
        if len(cleaned) > MAX_IMPORT_ROWS:
            raise ServiceError(f"一次最多导入 {MAX_IMPORT_ROWS} 份答卷")
    if errors:
        return ImportResult(0, errors)
    with transaction.atomic():
        SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(round=survey_round, answers=a, source="import", entered_by=actor)
                for a in cleaned
            ]
        )
        audit_record(
            actor=actor, action="stats.survey_import", obj=survey_round, changes={"imported": len(cleaned)}
        )
    return ImportResult(len(cleaned), [])
