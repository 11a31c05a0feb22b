"""Text normalising for the FAQ: folding case, accents and punctuation, stemming, and the field's words."""

from __future__ import annotations

import functools
import re
import unicodedata

_WORD_RE = re.compile(r"[^\W_]+")

# Function words and question filler: they carry no topic, and whole-sentence questions are full of them.
_STOPWORD_TEXT = """
    a about above actually after again all also am an and any anyone anything are aren arent as at
    be because been before being between both but by can cant could couldn d did didn didnt do does
    doesn doesnt doing don dont during each either else even ever every few for from get gets
    getting go goes going gonna got had hadn has hasn have haven having he hed hello her here hers
    herself hey hi him himself his how hows i id if ill im in into is isn isnt it itll its itself
    ive just kind kinda know let lets like ll m maybe me might mine most much must my myself need
    needs no nor not now of off oh ok okay on once one only or other our ours ourselves out over own
    please pls question questions quite re really s said say says she shes should shouldnt so some
    someone something sort still such sure t tell than thank thanks that thats the their theirs them
    themselves then there theres these they theyd theyre thing things think this those though thru
    to too u uh um under until up upon ur us ve very wanna want wants was wasn wasnt way we wed well
    were weren what whats when where which while who whom whos why will with won wonder wondering
    wont would wouldn wouldnt y yeah yes yet you youd youll your youre yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


# The field's shorthand, spelled out, so "can a bht pass meds" meets "can techs give medications".
_FIELD_WORDS = {
    "mht": "mental health tech",
    "mhts": "mental health tech",
    "bht": "behavioral health tech",
    "bhts": "behavioral health tech",
    "mh": "mental health",
    "pt": "patient",
    "pts": "patient",
    "ppl": "people",
    "med": "medication",
    "meds": "medication",
    "pills": "medication",
    "rn": "registered nurse",
    "rns": "registered nurse",
    "lpt": "lpt licensed psych tech",
    "lpts": "lpt licensed psych tech",
    "lvn": "licensed vocational nurse",
    "lpn": "licensed practical nurse",
    "cna": "cna certified nursing assistant",
    "cnas": "cna certified nursing assistant",
    "pct": "pct patient care tech",
    "rbt": "rbt registered behavior tech",
    "aba": "aba applied behavior analysis",
    "bls": "bls basic life support",
    "cpi": "cpi crisis intervention training",
    "mandt": "mandt crisis intervention training",
    "ncpt": "ncpt national certification",
    "eap": "employee assistance program",
    "obs": "observation",
    "geri": "geriatric",
    "noc": "night",
    "nocs": "night",
    "sud": "substance use",
    "tic": "trauma informed care",
    "dr": "doctor",
    "docs": "doctors",
    "hr": "human resources",
}
_FIELD_PHRASES = (
    (re.compile(r"\b(?:1\s*(?::|to|-|on)\s*1|one\s*(?:to|-|on)\s*one)(?:s|'s)?\b"), " onetoone "),
    (re.compile(r"\bq\s?15(?:s|\s?min\w*)?\b|\b(?:every\s)?15[\s-]?min(?:ute)?s?\b"), " q15 "),
    (re.compile(r"\bde[\s-]?escalat\w*"), " deescalation "),
)


def expand_field_words(text: str) -> str:
    """Normalised text with the field's shorthand spelled out (1:1, q15, MHT, meds...)."""
    text = text.casefold()
    for pattern, replacement in _FIELD_PHRASES:
        text = pattern.sub(replacement, text)
    return " ".join(_FIELD_WORDS.get(w, w) for w in normalise(text).split())


@functools.lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Lower-case words without accents, single-spaced; apostrophes vanish so "what's" == "whats"."""
    text = text.casefold()
    if not text.isascii():  # plain ASCII has no accents to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("'", "").replace("\u2019", "")
    return " ".join(_WORD_RE.findall(text))


def stem(word: str) -> str:
    """A deliberately small suffix-stripper: enough for 'families'/'family', 'stressed'/'stress' to meet."""
    if len(word) <= 4:
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    for suffix in ("ing", "ness", "ful", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= (3 if suffix == "ed" else 4):
            if suffix == "s" and word[-2] in "su":
                return word
            if suffix == "es" and word[-3] not in "sxz":
                continue
            return word[: -len(suffix)]
    return word


# Abbreviations and spellings that name the same thing.
_SAME = {
    "technician": "tech",
    "technicians": "tech",
    "psychiatric": "psych",
    "behavioural": "behavioral",
    "behaviour": "behavior",
    "counsellor": "counselor",
    "counselling": "counseling",
    "counsellors": "counselor",
}


@functools.lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The topic-bearing words of a text, stemmed, in order, without repeats (remembered: matching a
    question reads them twice, and the same questions come back)."""
    words: list[str] = []
    for word in expand_field_words(text).split():
        if word in STOPWORDS:
            continue
        root = _SAME.get(word) or stem(word)
        if root in STOPWORDS:
            continue
        if root not in words:
            words.append(root)
    return tuple(words)


_FILLER_TYPO_TEXT = "what how why where when who which does the you your can are"
_FILLER_TYPOS = tuple(_FILLER_TYPO_TEXT.split())


@functools.lru_cache(maxsize=4096)
def mistyped_filler(word: str) -> bool:
    """'wht' or 'hwo' is a question word with a slip, not an unknown topic that should count against a match.
    Only a dropped, extra or swapped letter counts: a changed letter ('car' for 'can') makes another word."""
    if len(word) > 6:
        return False
    for f in _FILLER_TYPOS:
        if abs(len(word) - len(f)) == 1:
            short, long_ = sorted((word, f), key=len)
            if any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_))):
                return True
        elif len(word) == len(f) and word != f:
            diff = [i for i in range(len(f)) if word[i] != f[i]]
            if (
                len(diff) == 2
                and diff[1] == diff[0] + 1
                and word[diff[0]] == f[diff[1]]
                and word[diff[1]] == f[diff[0]]
            ):
                return True
    return False


def question_key(question: str) -> str:
    """How two server questions are compared: case, spacing and punctuation don't make a new question."""
    return normalise(question)
