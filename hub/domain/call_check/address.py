"""address_confirmed: the install address is read out (or said by the customer) and confirmed.

A sentence mentions the address when it holds at least half of the character pairs of the
order's address (province, city and district dropped), or a quarter with an address word
(地址 / 装在). A mention put as a question (地址是…对吧？), or said by the dispatcher, is
confirmed by the other party's reply (对 / 是的 / 没错) and undone by a correction (不对 /
搬了); the customer stating it is a confirmation in itself. The last mention with an outcome
decides.
"""

from __future__ import annotations

import re

from hub.domain.call_check.call import Call, first_clause, found, search
from hub.domain.call_check.model import Finding
from hub.domain.call_check.phrases import ADDRESS_WORDS, CONFIRM, CORRECTION, QUESTION
from hub.domain.call_check.sentences import Sentence, normalise

_REGION = re.compile(
    r"^(中国|上海市?|北京市?|天津市?|重庆市?|[^省]{2,3}省|[^市]{2,3}市|[^区县]{1,3}[区县])"
)
_NOT_CJK_OR_DIGIT = re.compile(r"[^\u4e00-\u9fff0-9a-z]")
FULL_MATCH = 0.5
WORD_MATCH = 0.25


def address_core(address: str) -> str:
    """The address without country, province, city and district, punctuation and spaces."""
    core = _NOT_CJK_OR_DIGIT.sub("", normalise(address))
    for _ in range(4):
        shorter = _REGION.sub("", core, count=1)
        if shorter == core or len(shorter) < 4:
            break
        core = shorter
    return core


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(sentence: str, core: str, wanted: set[str] | None = None) -> float:
    """Share of the address's character pairs that the sentence contains."""
    wanted = _pairs(core) if wanted is None else wanted
    if not wanted:
        return 0.0
    return len(wanted & _pairs(_NOT_CJK_OR_DIGIT.sub("", sentence))) / len(wanted)


def _mentions(call: Call, core: str) -> list[Sentence]:
    out = []
    wanted = _pairs(core)
    for sentence in call.sentences:
        score = similarity(sentence.compact, core, wanted)
        if score >= FULL_MATCH or (score >= WORD_MATCH and search(ADDRESS_WORDS, sentence.norm)):
            out.append(sentence)
    return out


def address_confirmed(call: Call) -> Finding:
    """The booked address is confirmed in the call."""
    core = address_core(call.facts.install_address)
    outcome: Finding | None = None
    mentions = _mentions(call, core)
    for mention in mentions:
        if mention.speaker == "customer" and not search(QUESTION, mention.norm):
            if search(CORRECTION, mention.norm):
                outcome = found(
                    "address_confirmed", False, mention, "the customer corrects the address"
                )
            else:
                outcome = found(
                    "address_confirmed", True, mention, "the customer states the address"
                )
            continue
        reply = call.reply_to(mention)
        if reply is None:
            continue
        if search(CORRECTION, first_clause(reply)):
            outcome = found("address_confirmed", False, reply, "the customer corrects the address")
        elif search(CONFIRM, first_clause(reply)):
            outcome = found("address_confirmed", True, mention, "the customer confirms the address")
    if outcome is not None:
        return outcome
    if mentions:
        return found(
            "address_confirmed", False, mentions[-1], "the address is read out but not confirmed"
        )
    return found("address_confirmed", False, None, "the install address is not mentioned")
