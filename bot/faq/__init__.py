"""FAQ: the built-in knowledge base plus each server's own entries, matched fuzzily in memory.

One module per job: `text` (normalising words), `content` (the built-in entries), `index` (scoring,
match and autocomplete), `store` (server entries on disk), `catalog` (built-in plus a server's own),
`repeats` (the repeat rule).
"""

from bot.faq.catalog import FaqCatalog
from bot.faq.content import (
    MAX_ANSWER,
    MAX_TITLE,
    SERVER_THEME,
    FaqEntry,
    answer_privately,
    load_faq,
    needs_resources,
    states_checkable_fact,
    themes,
    topic_order,
)
from bot.faq.index import (
    AUTOCOMPLETE_LIMIT,
    CLOSEST,
    GOOD_MATCH,
    FaqIndex,
    MatchResult,
    Scored,
    autocomplete,
    autocomplete_own,
    match,
)
from bot.faq.repeats import REPEAT_WINDOW, EarlierAnswer, RecentAnswers
from bot.faq.store import (
    SERVER_ANSWER_MAX,
    SERVER_ENTRIES_MAX,
    SERVER_QUESTION_MAX,
    FaqInputError,
    FaqStore,
    SaveOutcome,
    delete_guild_data,
    delete_user_data,
    describe_user_data,
    server_entry_id,
    server_key,
    validate_server_entry,
)
from bot.faq.text import content_words, normalise, question_key

__all__ = [
    "AUTOCOMPLETE_LIMIT",
    "CLOSEST",
    "GOOD_MATCH",
    "MAX_ANSWER",
    "MAX_TITLE",
    "REPEAT_WINDOW",
    "SERVER_ANSWER_MAX",
    "SERVER_ENTRIES_MAX",
    "SERVER_QUESTION_MAX",
    "SERVER_THEME",
    "EarlierAnswer",
    "FaqCatalog",
    "FaqEntry",
    "FaqIndex",
    "FaqInputError",
    "FaqStore",
    "MatchResult",
    "RecentAnswers",
    "SaveOutcome",
    "Scored",
    "answer_privately",
    "autocomplete",
    "autocomplete_own",
    "content_words",
    "delete_guild_data",
    "delete_user_data",
    "describe_user_data",
    "load_faq",
    "match",
    "needs_resources",
    "normalise",
    "question_key",
    "server_entry_id",
    "server_key",
    "states_checkable_fact",
    "themes",
    "topic_order",
    "validate_server_entry",
]
