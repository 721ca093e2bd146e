"""历史警情导入: legacy CSV/.xlsx files, row validation with line numbers, idempotent re-runs, the
derived rollups and search entries, the audit entry and the access check."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from jingwu.audit.models import AuditEntry
from jingwu.incidents.legacy_import import incidents_import
from jingwu.incidents.models import Incident
from jingwu.people.models import Person
from jingwu.search import selectors
from jingwu.search.models import SearchEntry
from jingwu.stats.models import DailyCount, MonthlyCount

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
HEADER = (
    "接警编号 接警时间 报警人 联系电话 身份证号 乡镇 案发地点 警情类别 简要警情 处置结果 处警单位".split()
)
GOOD = [
    ["LG2023-0001", "2023-03-05 14:23:11", "钟旧档", "13905970101", "", "桃溪镇", "桃溪村村部门口",
     "盗窃电动车", "报警人称停放在村部门口的电动车被盗，车为红色绿源。", "已立刑事案件", "桃溪派出所"],
    ["LG2023-0002", "2023/3/5 21:05", "", "", "", "平川街道", "河东社区兴贤路",
     "治安警情·打架斗殴", "夜宵摊两伙人酒后互殴，一人受伤。", "调解结案", ""],
    ["LG2023-0003", "2023年3月6日 08时30分", "李旧档", "", "350824198001010018", "",
     "武平县大禾镇大禾村水口", "纠纷警情/山林土地纠纷", "两户村民因山林界址发生争执。", "", ""],
]  # fmt: skip


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


@pytest.fixture
def admin(user_of):
    return user_of("admin")


def imported(number: str) -> Incident:
    return Incident.objects.select_related("village__parent", "caller").get(
        idempotency_key=f"import:{number}"
    )


def test_a_csv_with_chinese_headers_loads_every_row_with_place_category_caller_and_number(admin) -> None:
    report = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv")
    assert (report.rows, report.loaded, report.rejected) == (3, 3, [])

    theft = imported("LG2023-0001")
    assert (theft.category, theft.subcategory, theft.status) == ("criminal", "ebike_theft", "closed")
    assert theft.village.name == "桃溪村委会"  # found in the address within the township
    assert theft.received_at == datetime(2023, 3, 5, 14, 23, 11, tzinfo=TZ)
    assert theft.number == f"J35082420230305{theft.pk:06d}"
    assert theft.disposition == "criminal_case"
    assert "原接警编号：LG2023-0001" in theft.disposition_note
    assert "原处警单位：桃溪派出所" in theft.disposition_note
    assert theft.caller.name == "钟旧档" and theft.caller.phone == "13905970101"
    assert theft.unit.code != "" and theft.station.code != ""

    fight = imported("LG2023-0002")
    assert (fight.category, fight.subcategory, fight.disposition) == ("public_order", "fight", "dispute")
    assert fight.village.name == "河东社区居委会" and fight.area == "urban" and fight.caller is None

    land = imported("LG2023-0003")
    assert land.village.parent.name == "大禾镇"  # township read from the address
    assert land.caller.id_number == "350824198001010018" and land.caller.sex == "male"


def test_a_gb18030_file_from_a_legacy_system_is_read(admin) -> None:
    data = csv_bytes(GOOD[:1], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    report = incidents_import(actor=admin, data=data, file_name="export_gbk.csv")
    assert report.loaded == 1
    assert imported("LG2023-0001").narrative.startswith("报警人称停放在村部门口")


def test_an_xlsx_file_with_english_headers_and_date_cells_is_read(admin, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["legacy_number", "received_at", "caller", "phone", "township", "village", "category",
                  "subcategory", "narrative"])  # fmt: skip
    sheet.append(["X-1", datetime(2022, 7, 1, 9, 15), "钟表格", 13905970202, "永平镇", "帽村", "traffic",
                  "accident", "路口两车相撞"])  # fmt: skip
    sheet.append(["X-2", "2022-07-01 10:00", "", None, "永平镇", "不存在村", "traffic", "accident", "追尾"])
    path = tmp_path / "old.xlsx"
    book.save(path)
    report = incidents_import(actor=admin, data=path.read_bytes(), file_name=path.name)
    assert report.loaded == 1
    assert [(e.line, e.reason) for e in report.rejected] == [(3, "乡镇“永平镇”没有村（社区）“不存在村”")]
    accident = imported("X-1")
    assert accident.village.name == "帽村村委会"
    assert accident.received_at == datetime(2022, 7, 1, 9, 15, tzinfo=TZ)
    assert accident.caller.phone == "13905970202"  # a number cell, read as digits


def test_bad_rows_are_reported_with_line_and_reason_and_the_good_rows_load(admin) -> None:
    rows = [
        GOOD[0],
        ["B-1", "2023-02-30 10:00", "", "", "", "桃溪镇", "", "盗窃", "日期不存在", "", ""],
        ["B-2", "2023-03-01 10:00", "", "", "", "桃溪镇", "", "外星人来访", "类别不存在", "", ""],
        ["B-3", "2023-03-01 10:00", "", "", "", "火星镇", "", "盗窃", "乡镇不存在", "", ""],
        ["B-4", "2023-03-01 10:00", "", "", "", "桃溪镇", "", "盗窃", "", "", ""],
        ["B-5", "2023-03-01 10:00", "某人", "12345", "", "桃溪镇", "", "盗窃", "电话错误", "", ""],
        ["B-6", "2023-03-01 10:00", "某人", "", "350824198001010014", "桃溪镇", "", "盗窃", "校验", "", ""],
        ["", "2023-03-01 10:00", "", "", "", "桃溪镇", "", "盗窃", "没有编号", "", ""],
        ["LG2023-0001", "2023-03-01 10:00", "", "", "", "桃溪镇", "", "盗窃", "编号重复", "", ""],
        ["B-7", "2023-03-01", "", "", "", "桃溪镇", "", "盗窃", "没有时刻", "", ""],
        GOOD[1],
    ]
    persons = Person.objects.count()
    report = incidents_import(actor=admin, data=csv_bytes(rows), file_name="mixed.csv")
    assert report.loaded == 2 and report.rows == 11
    reasons = {e.line: e.reason for e in report.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert reasons[3].startswith("接警时间不是有效的日期时间")
    assert reasons[4].startswith("未知警情类别（外星人来访）")
    assert reasons[5].startswith("未知乡镇（火星镇）")
    assert reasons[6] == "缺少必填项：简要警情"
    assert reasons[7].startswith("联系电话格式错误（12345）")
    assert reasons[8] == "身份证号码有误（身份证号码校验位错误（GB 11643-1999））"
    assert reasons[9] == "缺少必填项：接警编号"
    assert reasons[10] == "接警编号“LG2023-0001”在文件中重复（首次见第2行）"
    assert reasons[11].startswith("接警时间格式错误（2023-03-01）")
    # Nothing of a rejected row is written: only the good rows' caller was registered.
    assert Person.objects.count() == persons + 1
    assert not Incident.objects.filter(idempotency_key__startswith="import:B-").exists()


def test_a_rerun_loads_nothing_twice_and_a_changed_file_adds_only_its_new_rows(admin) -> None:
    first = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv")
    counts = (Incident.objects.count(), Person.objects.count())
    again = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv")
    assert (again.loaded, again.already_imported, again.rejected) == (0, 3, [])
    assert (Incident.objects.count(), Person.objects.count()) == counts
    more = [*GOOD, ["LG2023-0004", "2023-03-07 09:00", "钟旧档", "13905970101", "", "中山镇", "", "群众求助",
                    "老人走失后找到", "", ""]]  # fmt: skip
    third = incidents_import(actor=admin, data=csv_bytes(more), file_name="old.csv")
    assert (third.loaded, third.already_imported) == (1, 3)
    # The known caller (by phone) is reused, not registered again.
    assert imported("LG2023-0004").caller_id == imported("LG2023-0001").caller_id
    assert (imported("LG2023-0004").category, imported("LG2023-0004").subcategory) == ("rescue", "help")
    assert len(set(first.incident_ids) | set(third.incident_ids)) == 4


def test_rows_a_concurrent_writer_took_meanwhile_are_skipped_not_duplicated(admin, monkeypatch) -> None:
    from jingwu.incidents import legacy_import

    incidents_import(actor=admin, data=csv_bytes(GOOD[:2]), file_name="old.csv")
    real = legacy_import._known_keys
    calls: list[int] = []

    def blind_first(keys: list[str]) -> set[str]:
        calls.append(len(keys))  # the first look-up misses the rows "another import" just wrote
        return set() if len(calls) == 1 else real(keys)

    monkeypatch.setattr(legacy_import, "_known_keys", blind_first)
    report = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv")
    assert (report.loaded, report.already_imported, report.rejected) == (1, 2, [])
    assert Incident.objects.filter(idempotency_key__startswith="import:LG2023-").count() == 3
    assert [imported("LG2023-0003").pk] == report.incident_ids


def test_a_dry_run_reports_and_writes_nothing(admin) -> None:
    before = (Incident.objects.count(), AuditEntry.objects.count(), Person.objects.count())
    report = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv", dry_run=True)
    assert (report.valid, report.loaded, report.dry_run) == (3, 0, True)
    assert (Incident.objects.count(), AuditEntry.objects.count(), Person.objects.count()) == before


def test_rollups_and_search_find_the_imported_incidents(admin, user_of) -> None:
    report = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv")
    theft = imported("LG2023-0001")
    day = date(2023, 3, 5)
    incidents_that_day = DailyCount.objects.filter(
        metric="incident", key="criminal", day=day, station_id=theft.station_id
    )
    assert sum(incidents_that_day.values_list("count", flat=True)) == 1
    hour = DailyCount.objects.get(metric="incident_wh", key="6-14", day=day, station_id=theft.station_id)
    assert hour.count == 1  # Sunday, 14h Beijing time
    month = MonthlyCount.objects.filter(
        metric="incident", month=date(2023, 3, 1), station_id=theft.station_id, key="criminal"
    )
    assert sum(month.values_list("count", flat=True)) == 1

    assert SearchEntry.objects.filter(kind="incident", object_id__in=report.incident_ids).count() == 3
    leader = user_of("leader")
    hits = selectors.search(actor=leader, query="绿源 电动车").hits
    assert [h.object_id for h in hits] == [theft.pk]
    assert [h.object_id for h in selectors.search(actor=leader, query="LG2023").hits if h.kind == "incident"]
    person_hits = selectors.search(actor=leader, query="钟旧档").hits
    assert theft.caller_id in [h.object_id for h in person_hits if h.kind == "person"]


def test_a_background_index_job_makes_the_import_searchable_while_the_dashboard_counts_at_once(
    admin, user_of
) -> None:
    from jingwu.incidents.legacy_import import import_index_task

    report = incidents_import(
        actor=admin, data=csv_bytes(GOOD), file_name="old.csv", index_in_background=True
    )
    theft = imported("LG2023-0001")
    counted = DailyCount.objects.filter(metric="incident", day=date(2023, 3, 5), station_id=theft.station_id)
    assert sum(counted.values_list("count", flat=True)) == 1  # the rollups do not wait for the job
    leader = user_of("leader")
    assert selectors.search(actor=leader, query="绿源 电动车").hits == []
    job = DBTaskResult.objects.get(pk=report.index_job_id)
    assert job.task_path == "jingwu.incidents.legacy_import.import_index_task"
    stored = job.args_kwargs
    assert import_index_task.call(*stored["args"], **stored["kwargs"]) == 3 + report.callers_registered
    assert [h.object_id for h in selectors.search(actor=leader, query="绿源 电动车").hits] == [theft.pk]
    assert theft.caller_id in [h.object_id for h in selectors.search(actor=leader, query="钟旧档").hits]


def test_callers_are_matched_by_id_number_then_phone_within_the_file_and_the_registry(admin) -> None:
    known = Person.objects.create(name="钟老户", phone="13905970303", unit=admin.unit, created_by=admin)
    rows = [
        ["C-1", "2023-03-05 10:00", "钟旧档", "13905970404", "350824198001010018", "桃溪镇", "", "盗窃", "一",
         "", ""],
        ["C-2", "2023-03-05 11:00", "钟旧档", "13905970404", "", "桃溪镇", "", "盗窃", "二", "", ""],
        ["C-3", "2023-03-05 12:00", "钟旧档", "13905970505", "350824198001010018", "桃溪镇", "", "盗窃", "三",
         "", ""],
        ["C-4", "2023-03-05 13:00", "某人", "13905970303", "", "桃溪镇", "", "盗窃", "四", "", ""],
        ["C-5", "2023-03-05 14:00", "王匿", "", "", "桃溪镇", "", "盗窃", "五", "", ""],
        ["C-6", "2023-03-05 15:00", "王匿", "", "", "桃溪镇", "", "盗窃", "六", "", ""],
        ["C-7", "2023-03-05 16:00", "", "", "", "桃溪镇", "", "盗窃", "七", "", ""],
    ]  # fmt: skip
    report = incidents_import(actor=admin, data=csv_bytes(rows), file_name="callers.csv")
    callers = {n: imported(n).caller_id for n in ("C-1", "C-2", "C-3", "C-4", "C-5", "C-6", "C-7")}
    assert callers["C-1"] == callers["C-2"] == callers["C-3"]  # phone of a new person; the same ID
    assert callers["C-4"] == known.pk  # a person already in the registry, found by phone
    assert callers["C-5"] != callers["C-6"] and callers["C-7"] is None  # a name alone identifies nobody
    assert sorted(report.person_ids) == sorted({callers["C-1"], callers["C-5"], callers["C-6"]})
    first = Person.objects.get(pk=callers["C-1"])
    assert (first.id_number, first.phone, first.sex) == ("350824198001010018", "13905970404", "male")
    assert Person.objects.by_id_number("350824198001010018").get() == first  # blind index written
    assert Person.objects.get(pk=callers["C-5"]).name == "王匿"


def test_one_audit_entry_summarises_the_import(admin) -> None:
    data = csv_bytes([*GOOD, ["B-1", "坏日期", "", "", "", "桃溪镇", "", "盗窃", "x", "", ""]])
    incidents_import(actor=admin, data=data, file_name="old.csv")
    entry = AuditEntry.objects.filter(action="incident.import").latest("seq")
    assert entry.actor_username == admin.username and entry.outcome == "allowed"
    assert entry.changes["file"] == "old.csv"
    assert entry.changes["sha256"] == hashlib.sha256(data).hexdigest()
    assert (entry.changes["rows"], entry.changes["loaded"], entry.changes["rejected"]) == (4, 3, 1)


def test_only_an_administrator_may_import_and_a_refusal_is_audited(user_of) -> None:
    for username in ("dispatcher", "leader", "chief"):
        with pytest.raises(PermissionDenied):
            incidents_import(actor=user_of(username), data=csv_bytes(GOOD), file_name="old.csv")
    assert not Incident.objects.filter(idempotency_key__startswith="import:").exists()
    refused = AuditEntry.objects.filter(action="incident.import", outcome="denied")
    assert set(refused.values_list("actor_username", flat=True)) == {"dispatcher", "leader", "chief"}


def test_a_unit_limits_the_import_to_its_territory(admin) -> None:
    from jingwu.org.models import Unit

    taoxi = Unit.objects.get(divisions__name="桃溪镇")
    report = incidents_import(actor=admin, data=csv_bytes(GOOD), file_name="old.csv", unit=taoxi)
    assert report.loaded == 1
    assert [e.line for e in report.rejected] == [3, 4]
    assert "不在导入单位辖区内" in report.rejected[0].reason


def test_the_command_runs_as_a_named_user_and_writes_the_rejected_rows(admin, tmp_path: Path) -> None:
    source = tmp_path / "old.csv"
    source.write_bytes(csv_bytes([GOOD[0], ["B-1", "坏日期", "", "", "", "桃溪镇", "", "盗窃", "x", "", ""]]))
    errors, out, err = tmp_path / "errors.csv", io.StringIO(), io.StringIO()
    call_command("import_incidents", str(source), "--errors", str(errors), stdout=out, stderr=err)
    assert "共 2 行，已导入 1 行，此前已导入 0 行，拒绝 1 行" in out.getvalue()
    job = DBTaskResult.objects.get(task_path="jingwu.incidents.legacy_import.import_index_task")
    assert f"检索索引由后台任务 {job.pk} 写入" in out.getvalue()  # the search entries are left to a worker
    assert not SearchEntry.objects.filter(kind="incident").exists()
    source.write_bytes(csv_bytes([GOOD[1]]))
    call_command("import_incidents", str(source), "--index-now", stdout=out, stderr=err)
    assert SearchEntry.objects.filter(kind="incident", object_id=imported("LG2023-0002").pk).exists()
    assert DBTaskResult.objects.count() == 1
    assert "第3行：接警时间格式错误（坏日期）" in err.getvalue()
    assert errors.read_text(encoding="utf-8-sig").splitlines()[1].startswith("3,接警时间格式错误")
    with pytest.raises(CommandError, match="无权导入"):
        call_command("import_incidents", str(source), "--user", "dispatcher", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="表头缺少必填列"):
        (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
        call_command("import_incidents", str(tmp_path / "bad.csv"), stdout=out, stderr=err)
