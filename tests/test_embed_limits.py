"""No embed Steady builds can exceed Discord's limits, whatever the content or people's text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.care import Concern
from bot.content import DATA_DIR
from bot.faq import FaqEntry, load_faq
from bot.moments.content import Moment, load_moments
from bot.regions import RegionChoice
from bot.resources import load_resources
from bot.testing.discord_server import check_limits
from bot.text import clean_text
from cogs._care import crisis_embed, resources_embed
from cogs.faq import answer_embed, index_embed
from cogs.moments import moment_embed

people_text = st.text(min_size=1, max_size=1000).map(clean_text).filter(bool)


def assert_fits(embed: object) -> None:
    problem = check_limits({"embeds": [embed.to_dict()]})  # type: ignore[attr-defined]
    assert problem is None, problem


def test_every_content_embed_fits() -> None:
    for region in load_resources(DATA_DIR / "resources.toml").values():
        for source in ("person", "server", "default"):
            choice = RegionChoice(region.code, source)
            assert_fits(resources_embed(region, choice))
            assert_fits(crisis_embed(region, Concern.SELF, choice))
            assert_fits(crisis_embed(region, Concern.OTHER, choice))
    entries = load_faq(DATA_DIR / "faq.toml")
    for entry in entries:
        assert_fits(answer_embed(entry))
    assert_fits(index_embed(list(entries)))
    for moment in load_moments():
        assert_fits(moment_embed(moment, title="Today's quiet moment", note="This is the next one. "))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(people_text.map(lambda t: t[:100]), people_text), min_size=1, max_size=50))
def test_server_faq_entries_fit(pairs: list[tuple[str, str]]) -> None:
    server = [
        FaqEntry(f"s{n}", title, answer, "This server", guild_id=1) for n, (title, answer) in enumerate(pairs)
    ]
    for entry in server:
        assert_fits(answer_embed(entry))
    assert_fits(index_embed([*server, *load_faq(DATA_DIR / "faq.toml")]))


@settings(max_examples=60, deadline=None)
@given(people_text.map(lambda t: t[:500]), st.text(max_size=120))
def test_shared_moments_fit(text: str, prompt: str) -> None:
    assert_fits(moment_embed(Moment("sub:1", text, prompt=clean_text(prompt)), note="A note. "))
