"""Server entries: validation, storage in SQLite mirrored in memory, and the privacy hooks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.clock import Clock
from bot.database import Database
from bot.faq.content import SERVER_THEME, FaqEntry
from bot.faq.text import normalise, question_key
from bot.text import clean_text

SERVER_QUESTION_MAX = 100
SERVER_ANSWER_MAX = 1000
SERVER_ENTRIES_MAX = 50
SERVER_KEY_PREFIX = "g:"

_SERVER_KEY_RE = re.compile(r"^g:(\d+)$")


class FaqInputError(ValueError):
    """A server entry that can't be stored; the message is written for the admin who tried."""


@dataclass(frozen=True, slots=True)
class SaveOutcome:
    entry: FaqEntry
    replaced: bool


def server_key(entry_id: int) -> str:
    return f"{SERVER_KEY_PREFIX}{entry_id}"


def server_entry_id(key: str) -> int | None:
    m = _SERVER_KEY_RE.match(key)
    return int(m.group(1)) if m else None


def validate_server_entry(question: str, answer: str) -> tuple[str, str]:
    """Trimmed question and answer, or a FaqInputError saying what is accepted."""
    question = clean_text(question, multiline=False)
    answer = clean_text(answer.replace("\\n", "\n"))
    if len(normalise(question)) < 3:
        raise FaqInputError("The question needs a few words, so people can find it. Please try again.")
    if len(question) > SERVER_QUESTION_MAX:
        raise FaqInputError(
            f"That question is {len(question):,} characters long; questions can be up to "
            f"{SERVER_QUESTION_MAX} characters. Please shorten it and try again."
        )
    if not answer:
        raise FaqInputError("The answer is empty. Please write the answer you'd like people to see.")
    if len(answer) > SERVER_ANSWER_MAX:
        raise FaqInputError(
            f"That answer is {len(answer):,} characters long; answers can be up to {SERVER_ANSWER_MAX:,} "
            "characters. Please shorten it and try again. Nothing was saved."
        )
    return question, answer


class FaqStore:
    """Server entries in SQLite, mirrored in memory per server; every change bumps that server's version
    so indexes built from the old entries are rebuilt on next use."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._entries: dict[int, tuple[FaqEntry, ...]] = {}
        self._versions: dict[int, int] = {}

    async def load(self) -> None:
        """Read every server's entries once, at start."""
        rows = await self.db.fetchall(
            "SELECT id, guild_id, question, answer FROM faq_server_entries ORDER BY guild_id, id"
        )
        grouped: dict[int, list[FaqEntry]] = {}
        for row in rows:
            grouped.setdefault(int(row["guild_id"]), []).append(_row_entry(row))
        self._entries = {g: tuple(es) for g, es in grouped.items()}
        for g in set(self._versions) | set(grouped):
            self._versions[g] = self._versions.get(g, 0) + 1

    def entries(self, guild_id: int | None) -> tuple[FaqEntry, ...]:
        if guild_id is None:
            return ()
        return self._entries.get(guild_id, ())

    def guild_ids(self) -> list[int]:
        return [g for g, entries in self._entries.items() if entries]

    def version(self, guild_id: int) -> int:
        return self._versions.get(guild_id, 0)

    async def save(self, guild_id: int, question: str, answer: str) -> SaveOutcome:
        """Add the entry, or replace the answer of the same question; committed before returning."""
        question, answer = validate_server_entry(question, answer)
        qkey = question_key(question)
        now = self.clock.now().isoformat()
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM faq_server_entries WHERE guild_id = ? AND question_key = ?", (guild_id, qkey)
            ) as cur:
                existing = await cur.fetchone()
            if existing is None:
                async with conn.execute(
                    "SELECT COUNT(*) FROM faq_server_entries WHERE guild_id = ?", (guild_id,)
                ) as cur:
                    row = await cur.fetchone()
                if row is not None and int(row[0]) >= SERVER_ENTRIES_MAX:
                    raise FaqInputError(
                        f"This server already has {SERVER_ENTRIES_MAX} entries of its own, the most it can "
                        "have. Remove one with `/config faq-remove` first, or replace one by adding the same "
                        "question again."
                    )
                async with conn.execute(
                    "INSERT INTO faq_server_entries (guild_id, question, question_key, answer, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (guild_id, question, qkey, answer, now, now),
                ) as cur:
                    entry_id = int(cur.lastrowid or 0)
            else:
                entry_id = int(existing["id"])
                await conn.execute(
                    "UPDATE faq_server_entries SET question = ?, answer = ?, updated_at = ? WHERE id = ?",
                    (question, answer, now, entry_id),
                )
        await self._refresh(guild_id)
        entry = FaqEntry(server_key(entry_id), question, answer, SERVER_THEME, guild_id=guild_id)
        return SaveOutcome(entry, replaced=existing is not None)

    async def remove(self, guild_id: int, question: str) -> FaqEntry | None:
        """Remove by question (or by the key autocomplete offers); the removed entry, or None."""
        target = self.find(guild_id, question)
        if target is None:
            return None
        entry_id = server_entry_id(target.key)
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM faq_server_entries WHERE id = ? AND guild_id = ?", (entry_id, guild_id)
            )
        await self._refresh(guild_id)
        return target

    async def delete_guild(self, guild_id: int) -> int:
        """Forget a server's own entries (the bot was removed from it long enough ago)."""
        count = await delete_guild_data(self.db, guild_id)
        await self._refresh(guild_id)
        return count

    def find(self, guild_id: int, question: str) -> FaqEntry | None:
        """This server's entry for a key or a question as typed (case and punctuation aside)."""
        wanted = question.strip()
        qkey = question_key(wanted)
        for entry in self.entries(guild_id):
            if entry.key == wanted or question_key(entry.title) == qkey:
                return entry
        return None

    async def _refresh(self, guild_id: int) -> None:
        rows = await self.db.fetchall(
            "SELECT id, guild_id, question, answer FROM faq_server_entries WHERE guild_id = ? ORDER BY id",
            (guild_id,),
        )
        self._entries[guild_id] = tuple(_row_entry(row) for row in rows)
        self._versions[guild_id] = self._versions.get(guild_id, 0) + 1


def _row_entry(row: Any) -> FaqEntry:
    return FaqEntry(
        server_key(int(row["id"])),
        str(row["question"]),
        str(row["answer"]),
        SERVER_THEME,
        guild_id=int(row["guild_id"]),
    )


async def describe_user_data(db: Database, user_id: int) -> list[str]:
    """Server entries belong to the server and record no author: the FAQ keeps nothing about a person."""
    return []


async def delete_user_data(db: Database, user_id: int) -> int:
    """Nothing to delete: see describe_user_data."""
    return 0


async def delete_guild_data(db: Database, guild_id: int) -> int:
    """Remove a server's own entries (for when the bot leaves a server for good)."""
    async with (
        db.transaction() as conn,
        conn.execute("DELETE FROM faq_server_entries WHERE guild_id = ?", (guild_id,)) as cur,
    ):
        return int(cur.rowcount or 0)
