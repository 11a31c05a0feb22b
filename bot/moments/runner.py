"""One async runner for every server's daily post: sleeps until the next due instant, posts exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import date, datetime, timedelta

from bot import metrics
from bot.moments._plan import (
    CLAIM_CHUNK,
    HISTORY_DAYS,
    LOOK_BACK_SLACK,
    MAX_SLEEP,
    NONCE_TRUST,
    POST_HISTORY,
    RATE_LIMIT_RETRY,
    RETRY_DELAYS,
    Checkpoint,
    Finder,
    Pacer,
    PostFailure,
    PostRequest,
    RunnerPlan,
    Sender,
    _Guild,
)
from bot.moments.schedule import catch_up_allowed, describe_lateness, post_nonce
from bot.moments.store import ClaimRequest, PostRecord

__all__ = [
    "CLAIM_CHUNK",
    "HISTORY_DAYS",
    "LOOK_BACK_SLACK",
    "MAX_SLEEP",
    "NONCE_TRUST",
    "POST_HISTORY",
    "RATE_LIMIT_RETRY",
    "RETRY_DELAYS",
    "Checkpoint",
    "Finder",
    "MomentsRunner",
    "Pacer",
    "PostFailure",
    "PostRequest",
    "Sender",
]

log = logging.getLogger("steady.moments")


class MomentsRunner(RunnerPlan):
    """Keeps a heap of each server's next due instant and sleeps until the earliest one (or a change)."""

    # --- public -------------------------------------------------------------------------------

    def notify(self, guild_id: int) -> None:
        """A server's settings changed: re-plan it now instead of at its old due time."""
        self._dirty.add(guild_id)
        self._wake.set()

    def next_wake(self) -> datetime | None:
        return self._top()

    async def drain(self, timeout: float = 10.0) -> bool:
        """Shutdown, step one: start no new sends, and wait (at most ``timeout`` seconds) for the posts
        already under way to be sent and recorded. Claims not yet sent stay claimed: the next start sends
        them, or finds them in the channel. True if nothing was left in flight."""
        self.stopping = True
        self._wake.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._in_flight and self._running and loop.time() < deadline:
            await asyncio.sleep(0.01)
        return not self._in_flight

    async def run(self) -> None:
        """Run until cancelled; a crash inside any post propagates so a supervisor can restart cleanly."""
        self._running = True
        try:
            await self._run()
        finally:
            self._running = False

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as tg:
            self._tg = tg
            await self._load_all()
            self.started.set()
            while True:
                self.loops += 1
                try:
                    await self._prune()
                    await self._reload_dirty()
                    await self._dispatch(self._pop_due(self.clock.now()))
                except Exception:
                    log.exception("quiet moments runner hit an error; trying again shortly")
                    await self._sleep(self.clock.now() + timedelta(minutes=1))
                    continue
                await self._sleep(self._top())

    async def settled(self, timeout: float = 30.0) -> None:
        """For tests: wait until every due post is handled and the runner sleeps with nothing owed."""
        await self.started.wait()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            target = self._sleep_target
            if (
                self.idle
                and not self._pruning
                and not self._in_flight
                and not self._dirty
                and not self._wake.is_set()
                and (target is None or target > self.clock.now())
            ):
                return
            await asyncio.sleep(0)
        raise TimeoutError("quiet moments runner did not settle")

    # --- posting ------------------------------------------------------------------------------

    async def _dispatch(self, guild_ids: list[int]) -> None:
        if not guild_ids or self.stopping:
            return
        assert self._tg is not None
        now = self.clock.now()
        fresh: list[tuple[int, date, datetime]] = []
        try:
            await self._dispatch_popped(guild_ids, now, fresh)
        except Exception:
            # Popped from the heap but neither under way nor planned again: read back on the next round;
            # those already marked in flight are claimed and sent all the same.
            self._dirty.update(g for g in guild_ids if g not in self._in_flight)
            if fresh:
                self._tg.create_task(self._claim_and_send(fresh))
            raise
        if fresh:
            self._tg.create_task(self._claim_and_send(fresh))

    async def _dispatch_popped(
        self, guild_ids: list[int], now: datetime, fresh: list[tuple[int, date, datetime]]
    ) -> None:
        assert self._tg is not None
        skips: list[tuple[int, date, datetime, str]] = []
        for guild_id in guild_ids:
            g = self._guilds[guild_id]
            assert g.day is not None and g.due is not None
            late = catch_up_allowed(g.due, now, self.catch_up_limit)
            if g.resend:
                record = g.claimed[g.day]
                if late:
                    self._in_flight.add(guild_id)
                    self._tg.create_task(self._send(record, resend=True))
                else:
                    reason = (
                        "Sending was interrupted and Steady came back "
                        f"{describe_lateness(now - g.due)} late, so it was not resent (to avoid a repeat)."
                    )
                    await self.store.mark_failed(guild_id, g.day, reason, now)
                    metrics.moment_failed(reason)
                    g.claimed.pop(g.day, None)
                    g.handled.add(g.day)
                    self._plan(guild_id, now)
            elif late:
                fresh.append((guild_id, g.day, g.due))
                self._in_flight.add(guild_id)
            else:
                reason = (
                    f"Steady was offline at the due time and came back {describe_lateness(now - g.due)} late "
                    "(6 hours or more), so this day was skipped."
                )
                skips.append((guild_id, g.day, g.due, reason))
        if skips:
            await self.store.record_skipped(skips, now)
            for *_, reason in skips:
                metrics.moment_skipped(reason)
            for guild_id, day, _, _ in skips:
                self._guilds[guild_id].handled.add(day)
                self._plan(guild_id, now)

    async def _claim_and_send(self, items: list[tuple[int, date, datetime]]) -> None:
        assert self._tg is not None
        for start in range(0, len(items), CLAIM_CHUNK):
            chunk = items[start : start + CLAIM_CHUNK]
            if self.stopping:
                for guild_id, _, _ in chunk:
                    self._finish(guild_id, replan=False)
                continue
            requests: list[ClaimRequest] = []
            for guild_id, day, due in chunk:
                await self._check("before_claim", guild_id)
                config = self._guilds[guild_id].config
                if config is None:
                    self._finish(guild_id)
                    continue
                requests.append(
                    ClaimRequest(guild_id, day, due, config.channel_id, post_nonce(guild_id, day))
                )
            try:
                claimed = await self.store.claim_many(requests, self.clock.now())
            except Exception:
                log.exception("could not claim quiet moment posts; will look again shortly")
                for r in requests:
                    self._dirty.add(r.guild_id)
                    self._finish(r.guild_id, replan=False)
                continue
            got = {r.guild_id for r in claimed}
            for r in requests:
                if r.guild_id not in got:
                    self._guilds[r.guild_id].handled.add(r.local_date)
                    self._dirty.add(r.guild_id)
                    self._finish(r.guild_id, replan=False)
            for record in claimed:
                self._guilds[record.guild_id].claimed[record.local_date] = record
                await self._check("after_claim", record.guild_id)
                self._tg.create_task(self._send(record))

    async def _send(self, record: PostRecord, *, resend: bool = False) -> None:
        guild_id = record.guild_id
        try:
            async with self._sem:
                await self._send_one(record, resend)
        except Exception:
            log.exception("quiet moment post for guild %s could not be recorded; will look again", guild_id)
            self._dirty.add(guild_id)
            self._finish(guild_id, replan=False)
            return
        self._finish(guild_id)

    async def _send_one(self, record: PostRecord, resend: bool = False) -> None:
        """Send one claimed record and record the outcome; crash checkpoints bracket each durable step.

        A resend of a claim old enough that Discord may have forgotten its nonce first looks in the
        channel for the post the earlier attempt may have made, and only sends if it is not there.
        """
        guild_id, day = record.guild_id, record.local_date
        g = self._guilds[guild_id]
        moment = await self.store.moment(guild_id, record.moment_key)
        if moment is None and self.store.builtins:
            moment = self.store.builtins[0]
        if moment is None or record.channel_id is None or record.nonce is None:
            await self._failed(g, record, "There was no quiet moment to post.")
            return
        thread = bool(g.config and g.config.thread)
        request = PostRequest(guild_id, record.channel_id, day, record.nonce, moment, thread)
        if self.stopping:
            return  # left claimed: the next start sends it, or finds it in the channel
        try:
            message_id = None
            if resend and self.finder is not None and self.clock.now() - record.due_at >= NONCE_TRUST:
                if self.pacer is not None:
                    await self.pacer.acquire()
                message_id = await self.finder(request, record.due_at - LOOK_BACK_SLACK)
                if message_id is not None:
                    log.info("quiet moment for guild %s on %s was already posted; recorded it", guild_id, day)
            if message_id is None:
                if self.pacer is not None:
                    await self.pacer.acquire()
                message_id = await self.sender(request)
        except PostFailure as exc:
            if exc.transient:
                await self._retry_or_fail(g, record, exc.reason, rate_limited=exc.rate_limited)
            else:
                await self._failed(g, record, exc.reason)
            return
        except Exception as exc:
            log.warning("quiet moment send for guild %s failed unexpectedly: %r", guild_id, exc)
            await self._retry_or_fail(g, record, f"Unexpected error while posting ({type(exc).__name__}).")
            return
        await self._check("after_send", guild_id)
        sent_at = self.clock.now()
        await self.store.mark_sent(guild_id, day, message_id, sent_at)
        metrics.moment_sent((sent_at - record.due_at).total_seconds())
        g.claimed.pop(day, None)
        g.handled.add(day)
        await self._check("after_mark", guild_id)

    async def _failed(self, g: _Guild, record: PostRecord, reason: str) -> None:
        log.info("quiet moment for guild %s on %s not posted: %s", record.guild_id, record.local_date, reason)
        await self.store.mark_failed(record.guild_id, record.local_date, reason, self.clock.now())
        metrics.moment_failed(reason)
        g.claimed.pop(record.local_date, None)
        g.handled.add(record.local_date)

    async def _retry_or_fail(
        self, g: _Guild, record: PostRecord, reason: str, *, rate_limited: bool = False
    ) -> None:
        """Retry a transient error a few times with the same nonce, then give up until tomorrow.

        Being rate limited is Discord asking for patience, not a failure: it is retried for as long as the
        catch-up window lasts.
        """
        now = self.clock.now()
        attempt = record.attempts
        if attempt < len(self.retry_delays) or rate_limited:
            delay = self.retry_delays[attempt] if attempt < len(self.retry_delays) else RATE_LIMIT_RETRY
            retry_at = now + delay
            if catch_up_allowed(record.due_at, retry_at, self.catch_up_limit):
                attempts = await self.store.mark_retry(
                    record.guild_id, record.local_date, reason, retry_at, now
                )
                g.claimed[record.local_date] = _with_retry(record, attempts, retry_at, reason)
                return
        await self._failed(g, record, f"{reason} Gave up after {attempt + 1} attempts.")

    def _finish(self, guild_id: int, *, replan: bool = True) -> None:
        self._in_flight.discard(guild_id)
        if replan:
            self._plan(guild_id, self.clock.now())
        self._wake.set()

    async def _check(self, step: str, guild_id: int) -> None:
        if self.checkpoint is not None:
            await self.checkpoint(step, guild_id)


def _with_retry(record: PostRecord, attempts: int, retry_at: datetime, reason: str) -> PostRecord:
    return dataclasses.replace(
        record,
        state="claimed",
        message_id=None,
        reason=reason,
        attempts=attempts,
        next_attempt_at=retry_at,
    )
