"""The dispute's status workflow (纠纷化解流程) as an explicit transition table. Pure: no Django.

registered 已登记 → in_mediation 调解中 → agreed 达成协议 / failed 调解不成 / referred_out 移交处理
→ closed 已结案;
reopened 重新开启 when an agreement is not performed (or its judicial confirmation is refused). Every
status change goes through `check`, which refuses an illegal one with a Chinese message.
"""

from __future__ import annotations

from jingwu.core.errors import Conflict

STATES: dict[str, str] = {
    "registered": "已登记",
    "in_mediation": "调解中",
    "agreed": "达成协议",
    "failed": "调解不成",
    "referred_out": "移交处理",
    "closed": "已结案",
    "reopened": "重新开启",
}
# Not yet settled: the board lists these (a failed dispute waits for what follows it).
OPEN_STATES = frozenset({"registered", "in_mediation", "reopened", "failed"})

# (from, to) → the act that makes it (for messages and the history).
TRANSITIONS: dict[tuple[str, str], str] = {
    ("registered", "in_mediation"): "开始调解",
    ("registered", "referred_out"): "移交其他机关",
    ("registered", "closed"): "结案",
    ("in_mediation", "agreed"): "达成调解协议",
    ("in_mediation", "failed"): "调解不成",
    ("in_mediation", "referred_out"): "移交其他机关",
    ("agreed", "closed"): "协议履行完毕结案",
    ("agreed", "reopened"): "协议未履行，重新开启",
    ("failed", "in_mediation"): "改由其他途径调解",
    ("failed", "referred_out"): "移交其他机关",
    ("failed", "closed"): "结案",
    ("referred_out", "in_mediation"): "收回调解",
    ("referred_out", "closed"): "结案",
    ("closed", "reopened"): "重新开启",
    ("reopened", "in_mediation"): "重新调解",
    ("reopened", "referred_out"): "移交其他机关",
    ("reopened", "failed"): "调解不成",
    ("reopened", "closed"): "结案",
}


def allowed(source: str, target: str) -> bool:
    return (source, target) in TRANSITIONS


def check(source: str, target: str) -> str:
    """The act's name when the change is legal; a Conflict with a Chinese message when it is not."""
    if source not in STATES or target not in STATES:
        raise Conflict(f"未知的纠纷状态：{source} → {target}")
    act = TRANSITIONS.get((source, target))
    if act is None:
        raise Conflict(f"纠纷当前状态为“{STATES[source]}”，不能变更为“{STATES[target]}”")
    return act


def targets(source: str) -> list[str]:
    return [t for (s, t) in TRANSITIONS if s == source]
