"""What each self-check message says, as plain data; the cog only turns it into embeds and buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.selfcheck.content import NEXT_STEP_KINDS, SelfCheckContent
from bot.selfcheck.machine import RunState, Summary

SHOWN_PER_LIST = 3
BAR_FULL = "▰"
BAR_EMPTY = "▱"
RESOURCES_LINE = "If anything here feels heavy, `/resources` lists support lines you can reach any time."
NO_STRENGTHS = "None stood out strongly this time. Each of these can be learned."
NO_GROWTH = "No area stood out as weaker than the rest."
STRENGTHS_HEADING = "Strengths"
GROWTH_HEADING = "Areas to grow"
NOTE_HEADING = "Please keep in mind"


@dataclass(frozen=True)
class QuestionScreen:
    run_id: int
    index: int
    total: int
    heading: str
    progress: str
    statement: str
    intro: str | None
    labels: tuple[str, ...]
    selected: int | None
    can_go_back: bool


@dataclass(frozen=True)
class ResultScreen:
    title: str
    reflection: str
    fields: tuple[tuple[str, str], ...]
    disclaimer: str
    resources: str


def progress_bar(done: int, total: int) -> str:
    """A text bar, one cell per statement, filled for every answer given before this one."""
    done = max(0, min(done, total))
    return BAR_FULL * done + BAR_EMPTY * (total - done) + f" {done}/{total}"


def question_screen(state: RunState, content: SelfCheckContent) -> QuestionScreen:
    """The question on screen for a run, with the earlier answer marked when the person came back to it."""
    index = min(state.position, state.total - 1)
    return QuestionScreen(
        run_id=state.run_id,
        index=index,
        total=state.total,
        heading=f"Question {index + 1} of {state.total}",
        progress=progress_bar(index, state.total),
        statement=content.statements[index].text,
        intro=intro_text(content) if index == 0 and state.answered == 0 else None,
        labels=content.labels,
        selected=state.answers[index],
        can_go_back=index > 0,
    )


def intro_text(content: SelfCheckContent) -> str:
    """The intro with ``{count}`` filled in from the statements, so it can never disagree with them."""
    return content.intro.replace("{count}", str(content.total))


def _list_field(summary: Summary, content: SelfCheckContent, strengths: bool) -> str:
    items = summary.strengths() if strengths else summary.growth()
    if not items:
        if not strengths and content.all_strengths is not None:
            return content.all_strengths.growth
        return NO_STRENGTHS if strengths else NO_GROWTH
    lines = []
    for item in items[:SHOWN_PER_LIST]:
        quality = content.quality(item.key)
        lines.append(f"**{quality.name}**: {quality.strength if strengths else quality.growth}")
    return "\n".join(lines)


def result_screen(summary: Summary, content: SelfCheckContent) -> ResultScreen:
    """The reflection: the band, strengths, areas to grow, next steps, the disclaimer and /resources."""
    band = next((b for b in content.bands if b.key == summary.band), content.bands[-1])
    fields: list[tuple[str, str]] = [
        (STRENGTHS_HEADING, _list_field(summary, content, strengths=True)),
        (GROWTH_HEADING, _list_field(summary, content, strengths=False)),
    ]
    for kind, heading in NEXT_STEP_KINDS.items():
        steps = [s.text for s in content.next_steps if s.kind == kind]
        if steps:
            fields.append((heading, "\n".join(f"• {t}" for t in steps)))
    title, reflection = band.title, band.reflection
    if not summary.growth() and content.all_strengths is not None:
        title, reflection = content.all_strengths.title, content.all_strengths.reflection
    return ResultScreen(
        title=title,
        reflection=reflection,
        fields=tuple(fields),
        disclaimer=content.disclaimer,
        resources=RESOURCES_LINE,
    )


def longest_list_field(content: SelfCheckContent, shown: int) -> int:
    """The longest a strengths or growth field can be, so load can check it against Discord's field limit."""
    worst = 0
    for attr in ("strength", "growth"):
        items = sorted((len(q.name) + len(getattr(q, attr)) + 7 for q in content.qualities), reverse=True)
        worst = max(worst, sum(items[:shown]) + shown - 1)
    return worst


def result_length_bound(content: SelfCheckContent, shown: int) -> int:
    """An upper bound on the result's length, used at load to prove every result fits in one embed."""
    longest_band = max(len(b.title) + len(b.reflection) for b in content.bands)
    extra = content.all_strengths
    if extra is not None:
        longest_band = max(longest_band, len(extra.title) + len(extra.reflection))
    lists = 2 * max(
        longest_list_field(content, shown),
        len(NO_STRENGTHS),
        len(NO_GROWTH),
        len(extra.growth) if extra else 0,
    )
    steps = sum(len(s.text) + 3 for s in content.next_steps) + sum(len(h) for h in NEXT_STEP_KINDS.values())
    headings = len(STRENGTHS_HEADING) + len(GROWTH_HEADING) + len(NOTE_HEADING)
    return longest_band + lists + steps + headings + len(content.disclaimer) + len(RESOURCES_LINE) + 2
