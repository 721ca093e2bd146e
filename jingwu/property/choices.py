"""Choices of seized property (涉案财物): stable English values, Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PropertyCategory(models.TextChoices):
    CASH = "cash", _("现金")
    ELECTRONICS = "electronics", _("手机/电子产品")
    VEHICLE = "vehicle", _("车辆")
    TOOLS = "tools", _("作案工具")
    DOCUMENTS = "documents", _("票证/文件")
    DRUGS = "drugs", _("毒品/违禁品")
    TIMBER = "timber", _("木材/林产品")
    OTHER = "other", _("其他")


class SeizureKind(models.TextChoices):
    """How the item was taken. The first three put it in police hands (it must be handed to the property
    room); the others leave it where it is and only their documents are registered with the custodian."""

    SEIZED = "seized", _("扣押")
    COLLECTED = "collected", _("调取")
    EXTRACTED = "extracted", _("提取")
    SEALED = "sealed", _("查封")
    FROZEN = "frozen", _("冻结")
    PRESERVED = "preserved", _("先行登记保存")


#: Seizure kinds whose item is physically held by the police and goes into the property room.
HELD_KINDS = frozenset({SeizureKind.SEIZED, SeizureKind.COLLECTED, SeizureKind.EXTRACTED})


class ItemState(models.TextChoices):
    WITH_OFFICER = "with_officer", _("待移交（办案民警保管）")
    IN_PLACE = "in_place", _("就地查封/冻结")
    IN_ROOM = "in_room", _("在库")
    OUT = "out", _("出库")
    RETURNED = "returned", _("已发还")
    CONFISCATED = "confiscated", _("已没收上缴")
    DESTROYED = "destroyed", _("已销毁")
    TRANSFERRED = "transferred", _("已移交")


#: States after a disposal: the item's chain has ended and it cannot move again.
DISPOSED_STATES = frozenset(
    {ItemState.RETURNED, ItemState.CONFISCATED, ItemState.DESTROYED, ItemState.TRANSFERRED}
)


class CustodyKind(models.TextChoices):
    """A link of the chain of custody (流转记录)."""

    SEIZED = "seized", _("扣押/提取")
    REGISTERED = "registered", _("登记（送交管理人员）")
    INTO_ROOM = "into_room", _("入库")
    RELOCATED = "relocated", _("库内移位")
    OUT_FOR_EXAMINATION = "out_for_examination", _("出库检验")
    OUT_FOR_APPRAISAL = "out_for_appraisal", _("出库鉴定")
    OUT_TO_COURT = "out_to_court", _("移送检察院/法院")
    RETURNED_TO_ROOM = "returned_to_room", _("归还入库")
    RETURN_TO_OWNER = "return_to_owner", _("发还")
    CONFISCATION = "confiscation", _("没收上缴")
    DESTRUCTION = "destruction", _("销毁")
    TRANSFER = "transfer", _("移交其他机关")


#: Movements that take an item out of the room until it comes back (归还入库).
OUT_KINDS = frozenset(
    {CustodyKind.OUT_FOR_EXAMINATION, CustodyKind.OUT_FOR_APPRAISAL, CustodyKind.OUT_TO_COURT}
)
#: Movements that put an item on a shelf: they need a location.
INTO_ROOM_KINDS = frozenset({CustodyKind.INTO_ROOM, CustodyKind.RELOCATED, CustodyKind.RETURNED_TO_ROOM})
#: Disposals (处置): they end the chain and need a decision document (决定书文号).
DISPOSAL_KINDS = frozenset(
    {CustodyKind.RETURN_TO_OWNER, CustodyKind.CONFISCATION, CustodyKind.DESTRUCTION, CustodyKind.TRANSFER}
)
#: The state each disposal leaves the item in.
DISPOSAL_STATE = {
    CustodyKind.RETURN_TO_OWNER: ItemState.RETURNED,
    CustodyKind.CONFISCATION: ItemState.CONFISCATED,
    CustodyKind.DESTRUCTION: ItemState.DESTROYED,
    CustodyKind.TRANSFER: ItemState.TRANSFERRED,
}
#: Movements a user records after registration (the forms of the item page), in display order.
MOVEMENT_KINDS = (
    CustodyKind.INTO_ROOM,
    CustodyKind.REGISTERED,
    CustodyKind.RELOCATED,
    CustodyKind.OUT_FOR_EXAMINATION,
    CustodyKind.OUT_FOR_APPRAISAL,
    CustodyKind.OUT_TO_COURT,
    CustodyKind.RETURNED_TO_ROOM,
    CustodyKind.RETURN_TO_OWNER,
    CustodyKind.CONFISCATION,
    CustodyKind.DESTRUCTION,
    CustodyKind.TRANSFER,
)


class AnomalyKind(models.TextChoices):
    """A break in the chain of custody (流转异常)."""

    TWO_PLACES = "two_places", _("同一财物两处在库")
    OUT_OVERDUE = "out_overdue", _("出库逾期未归还")
    DISPOSAL_WITHOUT_DECISION = "disposal_without_decision", _("处置无决定文书")
    NOT_HANDED_IN = "not_handed_in", _("扣押后逾期未移交入库")
    MOVED_AFTER_DISPOSAL = "moved_after_disposal", _("处置后仍有流转")
