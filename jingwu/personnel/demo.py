"""Demo 队伍建设 for the Wuping bureau: the bureau's honours from its public record (dates marked where
they are illustrative), a few officers' honours, the 岩前 "搏" and 十方 "家" brand pages with a poster
each and their activities, and a year of courses — theme education, a legal course on the revised
治安管理处罚法 whose misses and failures show in the quality evaluation, case-handling and first-aid
skills — with attendance recorded by the political department (the `personnel` demo account)."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from jingwu.core.pdf import FONT_FILE
from jingwu.org.models import Unit, User
from jingwu.personnel import services
from jingwu.personnel.choices import AttendanceStatus
from jingwu.personnel.models import Course, Honour

DEMO_YAML = Path(__file__).resolve().parent / "data" / "demo.yaml"

# (title, kind, starts days ago, length in days, due days after the start, pass score, units, roles, text)
COURSES: tuple[tuple[str, str, int, int, int, str | None, tuple[str, ...], tuple[str, ...], str], ...] = (
    (
        "学习贯彻党的二十届四中全会精神主题教育",
        "theme_education",
        150,
        2,
        30,
        None,
        (),
        (),
        "全局民警集中学习，各所队分组讨论，撰写心得体会。",
    ),
    (
        "新修订《治安管理处罚法》专题培训",
        "legal",
        75,
        1,
        30,
        "60",
        (),
        ("officer", "unit_chief", "legal_officer"),
        "逐条解读2026年1月1日起施行的修订条文，重点讲解处罚程序、未成年人违法和调解的新规定；结业闭卷考试。",
    ),
    (
        "执法办案技能培训：询问笔录与证据规范",
        "case_handling",
        45,
        2,
        20,
        "70",
        ("wp-wb", "wp-ps-350824001", "wp-ps-350824102"),
        ("officer", "unit_chief"),
        "案件办理队民警讲授询问、辨认、电子数据提取规范，法制大队点评典型问题案卷。",
    ),
    (
        "警务实战训练：盘查处置与约束装备使用",
        "tactics",
        20,
        3,
        25,
        "60",
        ("wp-ps-350824103", "wp-ps-350824102"),
        ("officer",),
        "分组开展现场盘查、徒手控制和约束性警械使用训练，实战化考核。",
    ),
    (
        "急救技能培训：心肺复苏与止血包扎",
        "first_aid",
        -10,
        1,
        30,
        None,
        (),
        ("officer", "dispatcher"),
        "邀请县医院急诊科医师授课，现场演练心肺复苏、AED使用和止血包扎。",
    ),
)


def _poster(title: str, subtitle: str) -> bytes:
    """A simple poster for a brand page (the demo ships no real photographs)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (960, 540), (20, 52, 102))
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 936, 516), outline=(212, 175, 55), width=6)
    try:
        big, small = ImageFont.truetype(str(FONT_FILE), 150), ImageFont.truetype(str(FONT_FILE), 44)
    except OSError:
        big = small = ImageFont.load_default()
    draw.text((480, 230), title, font=big, fill=(255, 255, 255), anchor="mm")
    draw.text((480, 420), subtitle, font=small, fill=(212, 175, 55), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _honours(actor: User, data: dict[str, Any]) -> int:
    created = 0
    for item in data["collective"]:
        unit = Unit.objects.filter(code=item["unit"]).first()
        if unit is None:
            continue
        services.honour_create(
            actor=actor,
            kind="collective",
            title=item["title"],
            level=item["level"],
            awarded_on=item["date"],
            awarding_body=item["body"],
            citation=item.get("citation", ""),
            unit_id=unit.pk,
            date_is_illustrative=item.get("illustrative", False),
        )
        created += 1
    for item in data["individual"]:
        officer = User.objects.filter(username=item["officer"]).first()
        if officer is None:
            continue
        services.honour_create(
            actor=actor,
            kind="individual",
            title=item["title"],
            level=item["level"],
            awarded_on=item["date"],
            awarding_body=item["body"],
            citation=item.get("citation", ""),
            officer_id=officer.pk,
            date_is_illustrative=True,
        )
        created += 1
    return created


def _brands(actor: User, data: dict[str, Any], today: date) -> int:
    created = 0
    for item in data["brands"]:
        unit = Unit.objects.filter(code=item["unit"]).first()
        if unit is None:
            continue
        brand = services.brand_save(
            actor=actor, unit_id=unit.pk, name=item["name"], motto=item["motto"], text=item["text"]
        )
        services.brand_photo_add(
            actor=actor,
            brand_id=brand.pk,
            name=f"{unit.code}-brand.png",
            content=_poster(item["name"].strip("“”"), f"{unit.name} · {item['motto']}"),
            caption=f"{unit.name}{item['name']}宣传图",
        )
        for activity in item["activities"]:
            services.brand_activity_add(
                actor=actor,
                brand_id=brand.pk,
                title=activity["title"],
                held_on=today - timedelta(days=activity["days_ago"]),
                place=activity["place"],
                summary=activity["summary"],
            )
        created += 1
    return created


def _attendance(actor: User, course: Course, rng: random.Random, today: date) -> None:
    """Most attend and pass; a few are absent or fail — the overdue list and the evaluation show them."""
    if course.starts_on > today:
        return
    for enrolment in course.enrolments.select_related("officer").order_by("pk"):
        if enrolment.officer.username == "officer" and course.kind == "legal":
            # The demo officer passed the legal course: his profile shows a score.
            services.attendance_record(actor=actor, enrolment_id=enrolment.pk, status="attended", score="88")
            continue
        draw = rng.random()
        if draw < 0.06:
            services.attendance_record(actor=actor, enrolment_id=enrolment.pk, status=AttendanceStatus.ABSENT)
        elif draw < 0.09:
            services.attendance_record(
                actor=actor,
                enrolment_id=enrolment.pk,
                status=AttendanceStatus.EXEMPT,
                note="病假，已报政治处备案",
            )
        elif draw < 0.14:
            continue  # not recorded yet: overdue once the due day passes
        else:
            low = 45 if course.pass_score is not None else 60
            services.attendance_record(
                actor=actor,
                enrolment_id=enrolment.pk,
                status=AttendanceStatus.ATTENDED,
                score=str(rng.randint(low, 98)) if course.pass_score is not None else None,
            )


def load(rng: random.Random) -> int:
    if Honour.objects.exists() or Course.objects.exists():
        return 0
    actor = User.objects.select_related("unit").get(username="personnel")
    today = timezone.localdate()
    data = yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))
    created = _honours(actor, data) + _brands(actor, data, today)
    for title, kind, ago, length, due_after, pass_score, units, roles, text in COURSES:
        starts = today - timedelta(days=ago)
        course = services.course_create(
            actor=actor,
            title=title,
            kind=kind,
            starts_on=starts,
            ends_on=starts + timedelta(days=length - 1),
            due_on=starts + timedelta(days=due_after),
            location="武平县公安局警务实战训练基地" if kind != "theme_education" else "武平县公安局会议室",
            description=text,
            pass_score=pass_score,
            unit_ids=list(Unit.objects.filter(code__in=units).values_list("pk", flat=True)),
            roles=list(roles),
        )
        _attendance(actor, course, rng, today)
        created += 1
    return created
