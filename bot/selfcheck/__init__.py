"""Career self-check (issue 5): content, the pure state machine and scoring, screens, and storage."""

from __future__ import annotations

from bot.selfcheck.content import SELFCHECK_FILE, SelfCheckContent, load_selfcheck
from bot.selfcheck.machine import CHANGES_STATE, Outcome, QualityScore, RunState, Summary, Transition
from bot.selfcheck.screens import QuestionScreen, ResultScreen, question_screen, result_screen
from bot.selfcheck.store import SelfCheckStore, Step, delete_user_data, describe_user_data

__all__ = [
    "CHANGES_STATE",
    "SELFCHECK_FILE",
    "Outcome",
    "QualityScore",
    "QuestionScreen",
    "ResultScreen",
    "RunState",
    "SelfCheckContent",
    "SelfCheckStore",
    "Step",
    "Summary",
    "Transition",
    "delete_user_data",
    "describe_user_data",
    "load_selfcheck",
    "question_screen",
    "result_screen",
]
