"""The runner's parts that hold still: its types, pacing and state, and planning each server's next post."""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.clock import Clock
from bot.moments.content import Moment
from bot.moments.schedule import (
    CATCH_UP_LIMIT,
    next_post,
)
from bot.moments.store import MomentsConfig, MomentsStore, PostRecord

log = logging.getLogger("steady.moments")

RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5))
RATE_LIMIT_RETRY = timedelta(minutes=10)
# Discord drops a repeated nonce only for a few minutes; a resend later than this looks first.
NONCE_TRUST = timedelta(minutes=2)
LOOK_BACK_SLACK = timedelta(minutes=10)
MAX_SLEEP = timedelta(hours=1)
RELOAD_RETRY = timedelta(minutes=1)  # a server's settings that could not be read are read again this soon
CLAIM_CHUNK = 100
HISTORY_DAYS = 3
POST_HISTORY = timedelta(weeks=4)  # post records older than this are pruned, once a day


@dataclass(frozen=True)
class PostRequest:
    """Everything a sender needs to put one moment in one channel."""

    guild_id: int
    channel_id: int
    local_date: date
    nonce: str
    moment: Moment
    thread: bool


class PostFailure(Exception):
    """A send that did not happen; ``reason`` is shown to admins by /config status."""

    def __init__(
        self, reason: str, *, code: int | None = None, transient: bool = False, rate_limited: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.transient = transient or rate_limited
        self.rate_limited = rate_limited


Sender = Callable[[PostRequest], Awaitable[int]]
# Looks in the channel, from the given instant on, for Steady's own post of the request's date.
Finder = Callable[[PostRequest, datetime], Awaitable[int | None]]
Checkpoint = Callable[[str, int], Awaitable[None]]


class Pacer:
    """Spaces requests evenly so a burst of posts stays under Discord's global rate limit.

    Even spacing keeps the rate steady; a sliding one-second window over the actual send times stops a
    stalled event loop from releasing a catch-up burst that would draw 429s.
    """

    def __init__(self, rate: float, *, per_second_cap: int | None = None) -> None:
        self.interval = 1.0 / rate
        self.cap = per_second_cap or int(rate) + 1
        self._next = 0.0
        self._sent: deque[float] = deque()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)
        while True:
            now = loop.time()
            while self._sent and now - self._sent[0] >= 1.0:
                self._sent.popleft()
            if len(self._sent) < self.cap:
                self._sent.append(now)
                return
            await asyncio.sleep(1.0 - (now - self._sent[0]) + 0.001)


@dataclass
class _Guild:
    config: MomentsConfig | None
    handled: set[date] = field(default_factory=set)
    claimed: dict[date, PostRecord] = field(default_factory=dict)
    seq: int = -1
    wake_at: datetime | None = None
    day: date | None = None
    due: datetime | None = None
    resend: bool = False


class RunnerPlan:
    """The runner's state and its planning: a heap of each server's next due instant (see MomentsRunner)."""

    def __init__(
        self,
        store: MomentsStore,
        clock: Clock,
        sender: Sender,
        *,
        pacer: Pacer | None = None,
        concurrency: int = 25,
        checkpoint: Checkpoint | None = None,
        catch_up_limit: timedelta = CATCH_UP_LIMIT,
        retry_delays: tuple[timedelta, ...] = RETRY_DELAYS,
        finder: Finder | None = None,
        owns: Callable[[int], bool] | None = None,
    ) -> None:
        self.store = store
        self.owns = owns  # None: every server; else only the servers on this process's shards
        self.clock = clock
        self.sender = sender
        self.pacer = pacer
        self.checkpoint = checkpoint
        self.catch_up_limit = catch_up_limit
        self.retry_delays = retry_delays
        self.finder = finder
        self.stopping = False
        self._sem = asyncio.Semaphore(concurrency)
        self._guilds: dict[int, _Guild] = {}
        self._heap: list[tuple[datetime, int, int]] = []
        self._seq = 0
        self._dirty: set[int] = set()
        self._in_flight: set[int] = set()
        self._wake = asyncio.Event()
        self._tg: asyncio.TaskGroup | None = None
        self._sleep_target: datetime | None = None
        self._pruned_on: date | None = None
        self._pruning = 0
        self._running = False
        self.idle = False
        self.loops = 0
        self.started = asyncio.Event()

    # --- planning -----------------------------------------------------------------------------

    async def _load_all(self) -> None:
        now = self.clock.now()
        since = (now - timedelta(days=HISTORY_DAYS)).date()
        configs = await self.store.active_configs()
        records = await self.store.records_since(since)
        claimed = await self.store.claimed_records()
        if self.owns is not None:
            owns = self.owns
            configs = [c for c in configs if owns(c.guild_id)]
            records = [r for r in records if owns(r.guild_id)]
            claimed = [r for r in claimed if owns(r.guild_id)]
        self._guilds = {c.guild_id: _Guild(config=c) for c in configs}
        for r in [*records, *claimed]:
            self._note_record(self._guilds.setdefault(r.guild_id, _Guild(config=None)), r)
        for guild_id in self._guilds:
            self._plan(guild_id, now)

    @staticmethod
    def _note_record(g: _Guild, r: PostRecord) -> None:
        if r.state == "claimed":
            g.claimed[r.local_date] = r
        else:
            g.handled.add(r.local_date)

    async def _prune(self) -> None:
        """Keep moment_posts small: at most once a day, forget records older than POST_HISTORY (in the
        background, in small transactions, so posting never waits for it)."""
        today = self.clock.now().date()
        if self._pruned_on == today or self._tg is None:
            return
        self._pruned_on = today
        self._pruning += 1
        self._tg.create_task(self._prune_before(today - POST_HISTORY))

    async def _prune_before(self, before: date) -> None:
        try:
            pruned = await self.store.prune_posts(before)
            if pruned:
                log.info("forgot %d quiet moment post records older than %d days", pruned, POST_HISTORY.days)
        except Exception:
            log.exception("could not prune old quiet moment post records; will try again tomorrow")
        finally:
            self._pruning -= 1

    async def _reload_dirty(self) -> None:
        ready = self._dirty - self._in_flight
        if not ready:
            return
        now = self.clock.now()
        since = (now - timedelta(days=HISTORY_DAYS)).date()
        unread: set[int] = set()
        for guild_id in ready:
            self._dirty.discard(guild_id)  # before reading: a change made meanwhile dirties it again
            if self.owns is not None and not self.owns(guild_id):
                continue
            try:
                config = await self.store.get_config(guild_id)
                records = await self.store.records_since(since, guild_id)
            except Exception:
                # Not forgotten (a new server would never be planned), nor in the way of the others.
                log.exception("could not read guild %s's quiet moments settings; will try again", guild_id)
                unread.add(guild_id)
                continue
            g = _Guild(config=config if config and not config.paused else None)
            for r in records:
                self._note_record(g, r)
            old = self._guilds.get(guild_id)
            if old is not None:
                g.seq = old.seq
            self._guilds[guild_id] = g
            self._plan(guild_id, now)
        self._dirty |= unread

    def _plan(self, guild_id: int, now: datetime) -> None:
        """Push the server's next action on the heap (older heap entries for it become stale)."""
        g = self._guilds.get(guild_id)
        if g is None:
            return
        g.wake_at = g.day = g.due = None
        if guild_id in self._in_flight:
            return
        if g.claimed:
            record = min(g.claimed.values(), key=lambda r: r.local_date)
            at = record.next_attempt_at or now
            g.day, g.due, g.resend, g.wake_at = record.local_date, record.due_at, True, max(at, now)
        elif g.config is not None:
            found = next_post(g.config.schedule, now, g.handled | set(g.claimed))
            if found is None:
                return
            g.day, g.due = found
            g.resend, g.wake_at = False, found[1]
        else:
            return
        self._seq += 1
        g.seq = self._seq
        heapq.heappush(self._heap, (g.wake_at, self._seq, guild_id))
        cutoff = (now - timedelta(days=HISTORY_DAYS)).date()
        g.handled = {d for d in g.handled if d >= cutoff}

    def _valid(self, entry: tuple[datetime, int, int]) -> bool:
        g = self._guilds.get(entry[2])
        return g is not None and g.seq == entry[1] and g.wake_at == entry[0]

    def _top(self) -> datetime | None:
        while self._heap and not self._valid(self._heap[0]):
            heapq.heappop(self._heap)
        return self._heap[0][0] if self._heap else None

    def _pop_due(self, now: datetime) -> list[int]:
        due: list[int] = []
        while (top := self._top()) is not None and top <= now:
            _, _, guild_id = heapq.heappop(self._heap)
            due.append(guild_id)
        return due

    async def _sleep(self, until: datetime | None) -> None:
        now = self.clock.now()
        cap = now + (RELOAD_RETRY if self._dirty - self._in_flight else MAX_SLEEP)
        target = cap if until is None else min(until, cap)
        self._sleep_target = target
        if self._wake.is_set() or target <= now:
            self._wake.clear()
            return
        self.idle = True
        waker = asyncio.create_task(self._wake.wait())
        sleeper = asyncio.create_task(self.clock.sleep_until(target))
        try:
            await asyncio.wait({waker, sleeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.idle = False
            for t in (waker, sleeper):
                t.cancel()
            self._wake.clear()
