"""Store and content: submissions, peeking without consuming, privacy hooks, content validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.content import ContentError
from bot.database import Database
from bot.moments.content import MOMENTS_FILE, load_moments
from bot.moments.schedule import post_nonce
from bot.moments.store import ClaimRequest, MomentsStore, delete_user_data, describe_user_data

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
async def store(any_db: Database) -> AsyncIterator[MomentsStore]:
    yield MomentsStore(any_db, load_moments())


def test_builtin_content_is_valid_and_varied() -> None:
    moments = load_moments()
    assert len(moments) >= 60
    assert all(len(m.text) <= 400 for m in moments)
    assert len({m.theme for m in moments}) >= 8
    assert len({m.key for m in moments}) == len(moments)
    assert not any("@" in m.text for m in moments)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[[moment]]\nid = "a"\ntext = "x"\n[[moment]]\nid = "a"\ntext = "y"\n', "used twice"),
        ('[[moment]]\nid = "Bad Id"\ntext = "x"\n', "lowercase"),
        ('[[moment]]\nid = "a"\ntext = "' + "x" * 401 + '"\n', "at most 400"),
        ('[[moment]]\nid = "a"\n', "'text'"),
        ("title = 1\n", "[[moment]]"),
        ("[[moment]\n", "not valid TOML"),
    ],
)
def test_content_errors_name_the_entry_and_problem(tmp_path: Path, body: str, problem: str) -> None:
    path = tmp_path / "quiet_moments.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_moments(path, min_count=1)
    assert problem in str(err.value) and "quiet_moments.toml" in str(err.value)


def test_too_few_moments(tmp_path: Path) -> None:
    path = tmp_path / "quiet_moments.toml"
    path.write_text('[[moment]]\nid = "a"\ntext = "x"\n', encoding="utf-8")
    with pytest.raises(ContentError, match="at least 60"):
        load_moments(path)
    assert MOMENTS_FILE.name == "quiet_moments.toml"


async def test_peek_does_not_consume_and_claim_does(store: MomentsStore) -> None:
    first = await store.peek_next(1)
    assert first is not None and await store.peek_next(1) == first
    claimed = await store.claim_many(
        [ClaimRequest(1, date(2024, 6, 3), NOW, 5, post_nonce(1, date(2024, 6, 3)))], NOW
    )
    assert [r.moment_key for r in claimed] == [first.key]
    again = await store.claim_many([ClaimRequest(1, date(2024, 6, 3), NOW, 5, "x")], NOW)
    assert again == [], "a second claim for the same server and date must not succeed"
    nxt = await store.peek_next(1)
    assert nxt is not None and nxt.key != first.key


async def test_submission_review_flow(store: MomentsStore) -> None:
    a = await store.add_submission(1, 501, "You showed up today, and that counts.", NOW)
    b = await store.add_submission(1, 502, "Rest is part of the work, not a break from it.", NOW)
    await store.add_submission(2, 503, "Another server's moment, kept apart.", NOW)
    assert await store.pending_count(1) == 2
    assert (await store.next_pending(1)) == a
    assert await store.decide(2, a.id, True, 9, NOW) is None, "a moderator can only decide their own server's"
    approved = await store.decide(1, a.id, True, 9, NOW)
    assert approved is not None and approved.status == "approved"
    assert await store.decide(1, a.id, False, 9, NOW) is None, "a decision is made once"
    assert (await store.next_pending(1)) == b
    rejected = await store.decide(1, b.id, False, 9, NOW)
    assert rejected is not None and rejected.status == "rejected"
    assert await store.pending_count(1) == 0
    moment = await store.moment(1, a.key)
    assert moment is not None and moment.text == a.text
    assert await store.moment(2, a.key) is None


async def test_privacy_describe_and_delete(store: MomentsStore) -> None:
    a = await store.add_submission(1, 501, "You showed up today, and that counts.", NOW)
    await store.add_submission(1, 501, "A second one from the same person.", NOW)
    await store.add_submission(1, 777, "Someone else's words.", NOW)
    await store.decide(1, a.id, True, 777, NOW)
    lines = await describe_user_data(store.db, 501)
    assert len(lines) == 1 and "1 approved" in lines[0] and "1 waiting for review" in lines[0]
    assert any("reviewed 1" in line for line in await describe_user_data(store.db, 777))
    assert await delete_user_data(store.db, 501) == 2
    assert await describe_user_data(store.db, 501) == []
    assert await store.moment(1, a.key) is None
    assert await delete_user_data(store.db, 777) == 1
    assert await describe_user_data(store.db, 777) == []


async def test_config_pause_resume(store: MomentsStore) -> None:
    cfg = await store.set_config(1, 5, time(9, 0), "Europe/London", True, NOW)
    assert cfg.thread and not cfg.paused and cfg.effective_from == NOW
    later = datetime(2024, 6, 4, tzinfo=UTC)
    paused = await store.set_paused(1, True, later)
    assert paused is not None and paused.paused
    assert await store.active_configs() == []
    resumed = await store.set_paused(1, False, later)
    assert resumed is not None and not resumed.paused and resumed.effective_from == later


async def test_delete_guild_forgets_only_that_server(store: MomentsStore) -> None:
    day = date(2024, 6, 3)
    for guild in (1, 2):
        await store.set_config(guild, 5, time(9, 0), "Europe/London", False, NOW)
        await store.add_submission(guild, 501, "Words shared in this server only.", NOW)
        await store.claim_many([ClaimRequest(guild, day, NOW, 5, post_nonce(guild, day))], NOW)
    assert await store.delete_guild(1) >= 5
    assert await store.get_config(1) is None and await store.get_record(1, day) is None
    assert await store.pending_count(1) == 0
    assert await store.get_config(2) is not None and await store.get_record(2, day) is not None
    assert await store.pending_count(2) == 1


async def test_prune_keeps_owed_claims_and_posts_of_shared_moments(store: MomentsStore) -> None:
    """A shared moment's post marks it as already used; pruning it would let it jump the queue again."""
    rows = [
        (1, "2024-01-01", "sent", "m01"),
        (1, "2024-01-02", "sent", "sub:5"),
        (1, "2024-01-03", "claimed", "m02"),
        (1, "2024-01-04", "skipped", None),
        (1, "2024-06-01", "sent", "m03"),
    ]
    for guild, day, state, key in rows:
        await store.db.execute(
            "INSERT INTO moment_posts (guild_id, local_date, state, due_at, moment_key, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (guild, day, state, NOW.isoformat(), key, NOW.isoformat()),
        )
    assert await store.prune_posts(date(2024, 5, 6), batch=1) == 2
    kept = sorted(r.local_date.isoformat() for r in await store.records_since(date(2000, 1, 1)))
    assert kept == ["2024-01-02", "2024-01-03", "2024-06-01"]
