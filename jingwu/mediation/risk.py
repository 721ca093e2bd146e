"""The system's suggestion of a dispute's risk level (风险等级建议, "民转刑" prevention). Pure: no Django.

The officer sets the level; this only suggests one, with the reasons, from three signals of the rules
data: threat or violence words in the description, prior disputes between the same parties, and the
number of parties. The suggestion is the highest level any signal reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

from jingwu.mediation.rules import LEVELS, CountSignal, RiskRules, rules


@dataclass(frozen=True)
class RiskSuggestion:
    level: str
    reasons: tuple[str, ...]


def _by_count(count: int, signal: CountSignal) -> str:
    if count >= signal.high_at:
        return "high"
    if count >= signal.medium_at:
        return "medium"
    return "low"


def suggest_risk(
    *, description: str, prior_disputes: int, party_count: int, risk: RiskRules | None = None
) -> RiskSuggestion:
    """The suggested level (low/medium/high) and why, in Chinese."""
    risk = risk or rules().risk
    found: list[tuple[str, str]] = []
    threats = [w for w in risk.threat.words if w in description]
    if threats:
        found.append((risk.threat.level, f"描述中有威胁/极端言行：{'、'.join(threats)}"))
    blows = [w for w in risk.violence.words if w in description]
    if blows:
        found.append((risk.violence.level, f"描述中有肢体冲突：{'、'.join(blows)}"))
    level = _by_count(prior_disputes, risk.repeat)
    if level != "low":
        found.append((level, f"同一当事人之间{risk.repeat_window_days}日内已有{prior_disputes}起纠纷"))
    level = _by_count(party_count, risk.parties)
    if level != "low":
        found.append((level, f"当事人{party_count}人，有群体性纠纷苗头"))
    if not found:
        return RiskSuggestion("low", ("未发现风险信号",))
    top = max(LEVELS.index(level) for level, _ in found)
    return RiskSuggestion(LEVELS[top], tuple(reason for _, reason in found))
