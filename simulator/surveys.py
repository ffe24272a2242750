"""Employee surveys: a monthly pulse (8 Likert questions and a comment) and a quarterly eNPS
(0-10 and a reason), sent to every team member, answered anonymously. The pulse mixes scales, as
real surveys do: six questions on 1-5, one on 1-7 and one on 0-10 (Typeform opinion scales of 5,
7 and 11 steps).

A team's engagement in a wave moves with its recent quota attainment; response rates vary by
team and wave and rise with engagement. Teams are uneven in size, so some waves of small teams
fall under the anonymity threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.timeutil import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_SECOND,
    month_index,
    month_index_to_ms,
)

ANONYMITY_THRESHOLD = 5


@dataclass(frozen=True)
class Question:
    ref: str
    field_id: str
    type: str  # Typeform field type: opinion_scale, nps, long_text
    title: str
    steps: int = 5  # opinion_scale: 5 steps from 1, 7 from 1, or 11 from 0

    @property
    def kind(self) -> str:
        return {"opinion_scale": "likert", "nps": "enps", "long_text": "text"}[self.type]

    @property
    def scale(self) -> tuple[int | None, int | None]:
        if self.type == "opinion_scale":
            first = 0 if self.steps == 11 else 1
            return first, first + self.steps - 1
        return {"nps": (0, 10), "long_text": (None, None)}[self.type]

    def favourable(self, value: np.ndarray) -> np.ndarray:
        """Likert answers above the scale's midpoint (4-5 of 1-5, 5-7 of 1-7, 6-10 of 0-10)."""
        low, high = self.scale
        return 2 * np.asarray(value) > low + high


@dataclass(frozen=True)
class Survey:
    form_id: str
    title: str
    cadence: str  # monthly | quarterly
    questions: tuple[Question, ...]

    @property
    def numeric(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.type != "long_text")


PULSE = Survey(
    "SPpulse1",
    "Monthly team pulse",
    "monthly",
    (
        Question("pulse_tools", "hK2pQ7vN1sXa", "opinion_scale", "I have the tools and information I need to do my job well."),
        Question("pulse_manager", "bT9mW3cR6yLe", "opinion_scale", "My manager gives me useful feedback."),
        Question("pulse_goals", "qP4zD8fJ2uNo", "opinion_scale", "I understand how my work contributes to the team's goals."),
        Question("pulse_workload", "xV7nB1gH5kSi", "opinion_scale", "My workload is manageable.", steps=7),
        Question("pulse_recognition", "mC3rT6wY9aQu", "opinion_scale", "I feel recognised when I do good work."),
        Question("pulse_growth", "eL8sK2jF4oPa", "opinion_scale", "I see a path to grow my career here.", steps=11),
        Question("pulse_collaboration", "gN5vX1zM7cRe", "opinion_scale", "People on my team help each other."),
        Question("pulse_leadership", "tU2bH9dQ3wEy", "opinion_scale", "I trust the decisions of the leadership team."),
        Question("pulse_comment", "jR6yA4nS8fGo", "long_text", "What is one thing that would make your work better?"),
    ),
)  # fmt: skip
ENPS = Survey(
    "SPenps01",
    "Quarterly eNPS",
    "quarterly",
    (
        Question("enps_score", "wE1kZ5pL9hTa", "nps", "How likely are you to recommend working here to a friend?"),
        Question("enps_reason", "sY7cM2vB6nDi", "long_text", "What is the main reason for your score?"),
    ),
)  # fmt: skip
SURVEYS = (PULSE, ENPS)
QUESTION_OFFSETS = np.array([0.25, 0.1, 0.35, -0.35, -0.15, -0.3, 0.3, -0.2])
COMMENTS = (
    ("Targets keep moving and the workload is too high.", "Too many internal meetings.",
     "Leads arrive with no context, we lose time qualifying them.", "Career paths are unclear."),
    ("Better CRM hygiene would help everyone.", "More time for coaching would help.",
     "Decent quarter, but the tooling is slow.", "Clearer territory rules, please."),
    ("Great team, we help each other a lot.", "My manager really invests in us.",
     "Good momentum this quarter, proud of the team.", "I like the autonomy I get."),
)  # fmt: skip


def _first_weekday(month_ms: np.ndarray, day_offset: int) -> np.ndarray:
    day = month_ms // MS_PER_DAY + day_offset
    weekday = (day + 3) % 7
    day = np.where(weekday == 5, day + 2, np.where(weekday == 6, day + 1, day))
    return day * MS_PER_DAY + 9 * MS_PER_HOUR


def waves(window_start_ms: int, horizon_end_ms: int) -> pd.DataFrame:
    """survey_idx, wave (label), sent_ms for every wave sent in the timeline."""
    first = int(month_index(np.array([window_start_ms]))[0]) + 1
    last = int(month_index(np.array([horizon_end_ms]))[0])
    months = np.arange(first, last + 1)
    month_ms = month_index_to_ms(months)
    rows = []
    for m, start in zip(months, month_ms, strict=True):
        year, mon = 1970 + m // 12, m % 12 + 1
        rows.append((0, f"{year}-{mon:02d}", int(_first_weekday(np.array([start]), 0)[0])))
        if mon % 3 == 1:  # January, April, July, October
            rows.append(
                (1, f"{year}-Q{mon // 3 + 1}", int(_first_weekday(np.array([start]), 9)[0]))
            )
    frame = pd.DataFrame(rows, columns=["survey_idx", "wave", "sent_ms"])
    return frame[frame["sent_ms"] <= horizon_end_ms].reset_index(drop=True)


def generate_surveys(
    rng: np.random.Generator,
    owners: pd.DataFrame,
    n_teams: int,
    team_attainment: pd.DataFrame,
    window_start_ms: int,
    horizon_end_ms: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(team waves, responses) over the timeline.

    team_attainment: team_idx, month, attainment (bookings / quota of that team-month).
    team waves: survey_idx, wave, sent_ms, team_idx, invited, engagement.
    responses: survey_idx, wave_row, team_idx, landed_ms, submitted_ms, token, score columns
    a0..a7 (-1 unused), text_idx (-1 unanswered).
    """
    sent = waves(window_start_ms, horizon_end_ms)
    hired = owners["hired_ms"].to_numpy()
    left = owners["left_ms"].to_numpy()
    team = owners["team_idx"].to_numpy()
    team_effect = rng.normal(0.0, 0.6, n_teams)
    att = team_attainment.set_index(["team_idx", "month"])["attainment"]

    rows = []
    for w in sent.itertuples():
        employed = (hired <= w.sent_ms) & ((left < 0) | (left > w.sent_ms))
        invited = np.bincount(team[employed], minlength=n_teams)
        m = int(month_index(np.array([w.sent_ms]))[0])
        for t in range(n_teams):
            recent = [att.get((t, mm), np.nan) for mm in (m - 3, m - 2, m - 1)]
            recent = [v for v in recent if np.isfinite(v)]
            perf = float(np.mean(recent)) if recent else 1.0
            engagement = 7.0 + team_effect[t] + 1.5 * np.clip(perf - 1.0, -0.6, 0.6)
            rows.append((w.survey_idx, w.Index, w.wave, w.sent_ms, t, int(invited[t]), engagement))
    team_waves = pd.DataFrame(
        rows,
        columns=["survey_idx", "wave_row", "wave", "sent_ms", "team_idx", "invited", "engagement"],
    )
    engagement = team_waves["engagement"].to_numpy() + rng.normal(0.0, 0.3, len(team_waves))
    team_waves["engagement"] = engagement
    noise = rng.normal(0.0, 0.08, len(team_waves))
    rate = np.clip(0.78 + 0.06 * (engagement - 7.0) + noise, 0.35, 0.98)
    n_resp = rng.binomial(team_waves["invited"].to_numpy(), rate)
    team_waves["responses"] = n_resp

    tw = np.repeat(np.arange(len(team_waves)), n_resp)
    n = tw.size
    survey = team_waves["survey_idx"].to_numpy()[tw]
    mu = engagement[tw] + rng.normal(0.0, 1.0, n)  # each person's own mood
    sent_ms = team_waves["sent_ms"].to_numpy()[tw]
    delay = np.minimum(rng.lognormal(np.log(20.0), 1.0, n), 14 * 24.0) * MS_PER_HOUR
    submitted = sent_ms + delay.astype(np.int64)
    submitted -= submitted % MS_PER_SECOND
    landed = submitted - rng.integers(30, 400, n) * MS_PER_SECOND

    answers = np.full((n, 8), -1, dtype=np.int8)
    is_pulse = survey == 0
    likert_mu = 3.0 + 0.45 * (mu[:, None] - 6.5) + QUESTION_OFFSETS[None, :]
    likert_raw = rng.normal(likert_mu, 0.85)  # on 1-5; each question rescales it to its scale
    likert = np.clip(np.round(likert_raw), 1, 5).astype(np.int8)
    for q, question in enumerate(PULSE.numeric):
        low, high = question.scale
        scaled = low + (likert_raw[:, q] - 1.0) * (high - low) / 4.0
        answers[is_pulse, q] = np.clip(np.round(scaled), low, high).astype(np.int8)[is_pulse]
    nps = np.clip(np.round(rng.normal(mu, 1.7)), 0, 10).astype(np.int8)
    answers[~is_pulse, 0] = nps[~is_pulse]
    mood = np.where(is_pulse, likert.mean(axis=1) - 3.0, (nps - 7.0) / 2.0)
    tone = np.where(mood < -0.3, 0, np.where(mood > 0.5, 2, 1))
    wrote = rng.random(n) < np.where(is_pulse, 0.35, 0.5)
    text_idx = np.where(wrote, tone * 4 + rng.integers(0, 4, n), -1).astype(np.int8)

    alphabet = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype="S1")
    chars = alphabet[rng.integers(0, 36, (n, 32))]
    tokens = chars.view("S32").ravel().astype(str) if n else np.array([], dtype=str)

    responses = pd.DataFrame(
        {
            "survey_idx": survey.astype(np.int8),
            "team_wave": tw.astype(np.int32),
            "team_idx": team_waves["team_idx"].to_numpy()[tw].astype(np.int32),
            "landed_ms": landed.astype(np.int64),
            "submitted_ms": submitted.astype(np.int64),
            "token": tokens,
            "text_idx": text_idx,
        }
    )
    for q in range(8):
        responses[f"a{q}"] = answers[:, q]
    order = np.lexsort((responses["token"].to_numpy(), responses["submitted_ms"].to_numpy()))
    responses = responses.iloc[order].reset_index(drop=True)
    return team_waves, responses


def comment_text(text_idx: int) -> str:
    tone, pick = divmod(int(text_idx), 4)
    return COMMENTS[tone][pick]
