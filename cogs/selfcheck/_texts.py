"""What the self-check says, and its components already in Discord's JSON form."""

from __future__ import annotations

from typing import Any

import discord

from bot.selfcheck import Outcome

TITLE = "Career self-check"

SENT = "I've sent the self-check to your DMs. Take your time: each answer is saved as you go."
HERE_BELOW = "Here it is, just below."
DMS_CLOSED = (
    "I couldn't send you a direct message; your privacy settings may block DMs from server members.\n"
    "To allow them: click this server's name at the top of the channel list, choose **Privacy Settings**, "
    "and turn on **Direct Messages**. Then use `/selfcheck` again.\n"
    "Or take it right here instead. Only you will see it."
)
DMS_CLOSED_HERE = (
    "I couldn't send you a direct message (your privacy settings may block DMs from server members), "
    "so here it is instead. Only you can see it."
)
DM_FAILED = (
    "I couldn't reach your DMs just now. Your progress is saved; please try `/selfcheck` again in a moment."
)
FOOTER = "No one in the server sees your answers. Each one is saved as you go."
RESULT_FOOTER = "No one in the server sees this. /mydata shows or deletes what Steady keeps about you."
NOTES: dict[Outcome, str] = {
    Outcome.FINISHED: (
        "This self-check is already finished, so there's nothing more to answer here. Your reflection is in "
        "the message with your result; press **Retake** there, or use `/selfcheck`, to begin again."
    ),
    Outcome.GONE: (
        "This self-check was replaced when you started over, so this button no longer does anything. "
        "Use `/selfcheck` to carry on with your current one."
    ),
    Outcome.NOT_YOURS: "This button belongs to someone else's self-check. Use `/selfcheck` to take your own.",
    Outcome.CONTENT_CHANGED: (
        "The self-check has been updated since this question was sent, so this run can't continue. "
        "Use `/selfcheck` to start the new version."
    ),
    Outcome.INVALID_VALUE: "That isn't one of the answers. Please choose a button under the statement.",
    Outcome.FIRST_QUESTION: "You're on the first question, so there's nothing to go back to.",
}


class Rendered(discord.ui.View):
    """Components already in Discord's JSON form. Clicks are routed by the click routes registered in
    ``cog_load``, so discord.py need keep nothing per message, and building no item objects for every
    edit spares the garbage collector (measured: it dominated CPU under load)."""

    def __init__(self, *rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self.stop()  # nothing to listen for, so discord.py stores nothing when it is sent
        self._rows = [{"type": 1, "components": row} for row in rows if row]

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def is_dispatchable(self) -> bool:
        return False


def button_json(
    custom_id: str, label: str, *, primary: bool = False, disabled: bool = False, emoji: str = ""
) -> dict[str, Any]:
    button: dict[str, Any] = {"type": 2, "style": 1 if primary else 2, "label": label, "custom_id": custom_id}
    if disabled:
        button["disabled"] = True
    if emoji:
        button["emoji"] = {"name": emoji}
    return button
