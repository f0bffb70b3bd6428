"""Satisfaction: when the survey is on offer, and the scores the agency sees (latest, trend, NPS).

portal.yaml's `satisfaction` says when a portal's overview offers the survey: `monthly` and
`quarterly` from the first day of each month or quarter, `after-milestone` from the due day of
each milestone marked done, each for `days` days. A survey stays on offer until the client has
answered it: an answer in satisfaction.yaml naming its round, or (naming none) given while it
was on offer. The agency sees each client's latest answer and its trend, and the agency's NPS:
the share of promoters (9-10) minus the share of detractors (0-6) among the clients' latest
answers, one voice per client (a latest answer without an NPS is not counted), -100 to 100.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from generator.content.dates import day_in
from generator.content.domain import Client
from generator.content.models import SatisfactionAnswer, SurveySchedule

PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract


@dataclass(frozen=True)
class SurveyRound:
    """One offer of the survey: its name (what the answer's `round` names), when it is on
    offer, and the milestone it follows, if any."""

    name: str  # 2026-Q4, 2026-11, after-<milestone id>
    opens: date
    closes: date  # the last day on offer
    milestone: str | None = None  # the title of the milestone done


def survey_round(client: Client, schedule: SurveySchedule, as_of: date) -> SurveyRound | None:
    """The survey the client's overview offers on the build date, if any: the first of the
    schedule's rounds on offer that the client has not answered."""
    for kind in schedule.schedule:
        for offer in _rounds(kind, client, schedule.days, as_of):
            if offer.opens <= as_of <= offer.closes and not answered(client.satisfaction, offer):
                return offer
    return None


def _rounds(kind: str, client: Client, days: int, as_of: date) -> list[SurveyRound]:
    length = timedelta(days=days - 1)
    if kind == "monthly":
        opens = as_of.replace(day=1)
        return [SurveyRound(f"{as_of:%Y-%m}", opens, opens + length)]
    if kind == "quarterly":
        quarter = (as_of.month - 1) // 3
        opens = date(as_of.year, 3 * quarter + 1, 1)
        return [SurveyRound(f"{as_of.year}-Q{quarter + 1}", opens, opens + length)]
    done = [(day_in(m.due, client.timezone), m) for m in client.milestones if m.status == "done"]
    return [SurveyRound(f"after-{m.id}", day, day + length, m.title)
            for day, m in sorted(done, key=lambda pair: pair[0], reverse=True)]


def answered(answers: Iterable[SatisfactionAnswer], offer: SurveyRound) -> bool:
    """Whether an answer names this round, or names none and came while it was on offer."""
    return any(a.round == offer.name or (a.round is None and offer.opens <= a.on <= offer.closes)
               for a in answers)


@dataclass(frozen=True)
class Score:
    """A client's latest answer as the agency sees it, and its trend against the one before."""

    on: date
    nps: int | None
    csat: int | None
    trend: str | None  # up | down | steady (NPS if both answers have one, else CSAT); None

    def record(self) -> dict[str, object]:
        return {"on": self.on.isoformat(), "nps": self.nps, "csat": self.csat,
                "trend": self.trend}

    @classmethod
    def from_record(cls, data: dict[str, object] | None) -> Score | None:
        if data is None:
            return None
        return cls(date.fromisoformat(str(data["on"])), _int(data["nps"]), _int(data["csat"]),
                   None if data["trend"] is None else str(data["trend"]))


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


def latest_score(answers: tuple[SatisfactionAnswer, ...]) -> Score | None:
    """The latest answer (answers are oldest first) and its trend."""
    if not answers:
        return None
    latest = answers[-1]
    previous = answers[-2] if len(answers) > 1 else None
    return Score(latest.on, latest.nps, latest.csat, _trend(previous, latest))


def _trend(previous: SatisfactionAnswer | None, latest: SatisfactionAnswer) -> str | None:
    if previous is None:
        return None
    for before, now in ((previous.nps, latest.nps), (previous.csat, latest.csat)):
        if before is not None and now is not None:
            return "up" if now > before else "down" if now < before else "steady"
    return None


def net_promoter_score(scores: Iterable[int]) -> int | None:
    """NPS of these answers (0-10): % promoters minus % detractors, rounded; None if none."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for v in values if v >= PROMOTER)
    detractors = sum(1 for v in values if v <= DETRACTOR)
    share = Decimal(100 * (promoters - detractors)) / len(values)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))
