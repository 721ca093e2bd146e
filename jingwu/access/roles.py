"""The roles of DESIGN.md §1 (角色) and what each may do. Pure data, no Django models."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("接警员")
    OFFICER = "officer", _("民警/辅警")
    UNIT_CHIEF = "unit_chief", _("所长/队长")
    LEGAL_OFFICER = "legal_officer", _("法制员")
    LEGAL_AFFAIRS = "legal_affairs", _("法制大队")
    LEADER = "leader", _("局领导")
    PROCURATOR = "procurator", _("检察官")
    MEDIATOR = "mediator", _("调解员")
    ASSISTANT = "assistant", _("警务助理")
    AUDITOR = "auditor", _("审计员")
    ADMIN = "admin", _("系统管理员")
    CUSTODY_OFFICER = "custody_officer", _("办案中心管理民警")
    PROPERTY_KEEPER = "property_keeper", _("涉案财物管理员")
    PERSONNEL = "personnel", _("政工干部")


# Roles whose unit scope is the whole bureau, whatever unit they sit in.
# The case-handling center (执法办案管理中心) and its property room serve every unit of the bureau.
BUREAU_WIDE_ROLES = frozenset(
    {
        Role.LEADER,
        Role.LEGAL_AFFAIRS,
        Role.PROCURATOR,
        Role.AUDITOR,
        Role.ADMIN,
        Role.CUSTODY_OFFICER,
        Role.PROPERTY_KEEPER,
        # 政治处: the bureau's personnel records (training, honours) are theirs to keep.
        Role.PERSONNEL,
    }
)

_CASE_STAFF = frozenset({Role.DISPATCHER, Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER})
_ALL = frozenset(Role)

# action → roles that may perform it. An action not listed here is refused to everyone.
CAPABILITIES: dict[str, frozenset[Role]] = {
    "home.view": _ALL,
    "unit.view": _ALL - {Role.MEDIATOR, Role.ASSISTANT},
    "unit.manage": frozenset({Role.ADMIN}),
    "user.manage": frozenset({Role.ADMIN}),
    "place.view": _ALL,
    "person.view": _CASE_STAFF | {Role.LEGAL_AFFAIRS, Role.LEADER, Role.PROCURATOR},
    "person.create": _CASE_STAFF,
    "person.change": _CASE_STAFF,
    # Seeing an ID number or phone in full is a separate, audited act (个人信息查看).
    "person.reveal": _CASE_STAFF | {Role.LEGAL_AFFAIRS, Role.LEADER},
    "audit.view": frozenset({Role.AUDITOR}),
    # 二次验证重置: an administrator resets another user's lost authenticator (audited).
    "second_factor.reset": frozenset({Role.ADMIN}),
    # 批量导出个人信息 needs a leader's approval (jingwu.core.exports).
    "export.bulk_approve": frozenset({Role.LEADER}),
    # 接处警
    "incident.view": _CASE_STAFF | {Role.LEGAL_AFFAIRS, Role.LEADER},
    "incident.create": frozenset({Role.DISPATCHER, Role.OFFICER, Role.UNIT_CHIEF}),
    # 历史警情导入 (manage.py import_incidents): a migration job, for administrators only.
    "incident.import": frozenset({Role.ADMIN}),
    "incident.dispatch": frozenset({Role.DISPATCHER, Role.UNIT_CHIEF}),
    "incident.respond": frozenset({Role.DISPATCHER, Role.OFFICER, Role.UNIT_CHIEF}),
    # 案件办理; procurators read criminal cases only (the case selectors narrow them).
    "case.view": frozenset(
        {Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER, Role.PROCURATOR}
    ),
    "case.accept": frozenset({Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER}),
    "case.review": frozenset({Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS}),
    "case.handle": frozenset({Role.OFFICER, Role.UNIT_CHIEF}),
    "case.approve": frozenset({Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.UNIT_CHIEF, Role.LEADER}),
    "case.deliberate": frozenset({Role.LEADER}),
    # 执法监督: the deadlines derived from the timelines of the cases and incidents one may see.
    "deadline.view": _CASE_STAFF | {Role.LEGAL_AFFAIRS, Role.LEADER, Role.PROCURATOR},
    # 执法质量考评: chiefs and legal officers see their own units' scores; the legal affairs brigade
    # enters manual items and publishes a period's results.
    "quality.view": frozenset({Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER}),
    "quality.manage": frozenset({Role.LEGAL_AFFAIRS}),
    # 站内消息: everyone who logs in has an inbox, and reads only their own messages.
    "notification.view": _ALL,
    # 执法监督通知书 (legal affairs) and 检察监督意见 (procurators, criminal cases only); the unit's chief or
    # the case's lead officer responds with the rectification (checked per notice in supervision.services).
    "notice.view": frozenset(
        {Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER, Role.PROCURATOR}
    ),
    "notice.issue": frozenset({Role.LEGAL_AFFAIRS}),
    "notice.respond": frozenset({Role.OFFICER, Role.UNIT_CHIEF}),
    "opinion.issue": frozenset({Role.PROCURATOR}),
    # 矛盾纠纷化解: mediators see only the disputes referred to them, assistants only those they reported
    # (jingwu.mediation.selectors narrows them); the board's figures are for the police side.
    "dispute.view": _CASE_STAFF | {Role.LEGAL_AFFAIRS, Role.LEADER, Role.MEDIATOR, Role.ASSISTANT},
    "dispute.create": frozenset({Role.DISPATCHER, Role.OFFICER, Role.UNIT_CHIEF, Role.ASSISTANT}),
    "dispute.mediate": frozenset({Role.OFFICER, Role.UNIT_CHIEF, Role.MEDIATOR}),
    "dispute.board": _CASE_STAFF | {Role.LEGAL_AFFAIRS, Role.LEADER},
    # 涉案财物: the property room and the case's own officers (checked per case in jingwu.property)
    # change the records; leaders, legal affairs and procurators (criminal cases only) read them.
    "property.view": frozenset(
        {
            Role.PROPERTY_KEEPER,
            Role.OFFICER,
            Role.UNIT_CHIEF,
            Role.LEGAL_OFFICER,
            Role.LEGAL_AFFAIRS,
            Role.LEADER,
            Role.PROCURATOR,
        }
    ),
    "property.manage": frozenset({Role.PROPERTY_KEEPER, Role.OFFICER, Role.UNIT_CHIEF}),
    # The property room itself: its locations (库房/货架/箱) and inventory checks (盘点).
    "property.room": frozenset({Role.PROPERTY_KEEPER}),
    # 执法办案管理中心: the center's officers and the case's own officers (checked per case in
    # jingwu.custody) change the custody log; chiefs, legal officers, legal affairs and leaders read it.
    "custody.view": frozenset(
        {
            Role.CUSTODY_OFFICER,
            Role.OFFICER,
            Role.UNIT_CHIEF,
            Role.LEGAL_OFFICER,
            Role.LEGAL_AFFAIRS,
            Role.LEADER,
        }
    ),
    "custody.manage": frozenset({Role.CUSTODY_OFFICER, Role.OFFICER, Role.UNIT_CHIEF}),
    # The center's own staff act on any case's stays; the others only on the cases they handle.
    "custody.center": frozenset({Role.CUSTODY_OFFICER}),
    # 全文检索: whoever may see at least one kind of record (incidents, cases, disputes, persons); the
    # results are scoped per kind by that kind's own view action (jingwu.search.selectors).
    "search.use": _CASE_STAFF
    | {Role.LEGAL_AFFAIRS, Role.LEADER, Role.PROCURATOR, Role.MEDIATOR, Role.ASSISTANT},
    # 统计分析: leaders and legal affairs see the bureau, chiefs and legal officers their own scope; the
    # command center's dispatchers see the big screen (大屏) only. 平安三率 answers are entered by chiefs,
    # leaders and legal affairs.
    "stats.view": frozenset({Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER}),
    "stats.screen": frozenset(
        {Role.DISPATCHER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER}
    ),
    "stats.survey": frozenset({Role.UNIT_CHIEF, Role.LEGAL_AFFAIRS, Role.LEADER}),
    # 社区警务: station staff see their villages' grid work, reports, six-no assessments and meetings; a
    # village police assistant records grid work in the one village assigned to them and sees nothing else
    # (jingwu.community.selectors narrows them). Chiefs assign villages, adjust scores and assess six-no.
    "community.view": frozenset({Role.OFFICER, Role.UNIT_CHIEF, Role.LEADER}),
    "community.manage": frozenset({Role.OFFICER, Role.UNIT_CHIEF}),
    "community.assign": frozenset({Role.UNIT_CHIEF}),
    "gridwork.record": frozenset({Role.ASSISTANT}),
    "performance.manage": frozenset({Role.UNIT_CHIEF}),
    "sixno.assess": frozenset({Role.UNIT_CHIEF}),
    # 警企联系: station officers and chiefs keep the enterprises of their area (visits, requests, linked
    # incidents, acknowledgements); leaders read all. Bulletins (预警信息) are issued by chiefs and leaders,
    # and by the officers of the county units of jingwu/enterprises/data (治安管理大队) — checked there.
    "enterprise.view": frozenset({Role.OFFICER, Role.UNIT_CHIEF, Role.LEADER}),
    "enterprise.manage": frozenset({Role.OFFICER, Role.UNIT_CHIEF}),
    "bulletin.issue": frozenset({Role.OFFICER, Role.UNIT_CHIEF, Role.LEADER}),
    # 生态警务 (森林警长制、巡护、行刑衔接): the forest police brigade and the stations keep the zones and
    # patrols of the forests in their scope; legal officers review transfers; leaders and legal affairs read.
    "ecology.view": frozenset(
        {Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER}
    ),
    "ecology.manage": frozenset({Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER}),
    # Setting up zones, their patrol frequency and their chiefs (森林警长) is for chiefs and leaders.
    "ecology.assign": frozenset({Role.UNIT_CHIEF, Role.LEADER}),
    # 专项行动: leaders and unit chiefs launch campaigns; the tallies count only what the reader may see.
    "campaign.view": frozenset(
        {Role.OFFICER, Role.UNIT_CHIEF, Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS, Role.LEADER}
    ),
    "campaign.manage": frozenset({Role.LEADER, Role.UNIT_CHIEF}),
    # 队伍建设 (jingwu.personnel): every police officer sees their own training record, honours and profile;
    # chiefs review their unit's officers, leaders and the political department (政工) the bureau's.
    "personnel.view": frozenset(
        {
            Role.DISPATCHER,
            Role.OFFICER,
            Role.UNIT_CHIEF,
            Role.LEGAL_OFFICER,
            Role.LEGAL_AFFAIRS,
            Role.LEADER,
            Role.CUSTODY_OFFICER,
            Role.PROPERTY_KEEPER,
            Role.PERSONNEL,
        }
    ),
    "personnel.review": frozenset({Role.UNIT_CHIEF, Role.LEADER, Role.PERSONNEL}),
    "personnel.manage": frozenset({Role.PERSONNEL}),
    # 荣誉室 and the stations' culture pages (一所一品牌): the bureau's own staff; not the external users
    # (procurators, people's mediators), whose accounts serve their referrals only.
    "honours.view": _ALL - {Role.PROCURATOR, Role.MEDIATOR},
    # A station keeps its own brand page (its chief); the political department any station's.
    "culture.manage": frozenset({Role.UNIT_CHIEF, Role.PERSONNEL}),
}

# Who may act for an approval step of the case workflow (jingwu/cases/data/workflow.yaml): the legal
# affairs brigade reviews for the stations that have no stationed legal officer.
APPROVER_ROLES: dict[str, frozenset[Role]] = {
    "legal_officer": frozenset({Role.LEGAL_OFFICER, Role.LEGAL_AFFAIRS}),
    "unit_chief": frozenset({Role.UNIT_CHIEF}),
    "leader": frozenset({Role.LEADER}),
}
