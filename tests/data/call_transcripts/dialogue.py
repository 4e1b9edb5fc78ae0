"""The parts of a generated call (opening, reschedule, time talk, address, manners, closing):
each draws what happens, records the expected label, and takes its wording from the bank."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from scenario import When, random_when


@dataclass
class Utt:
    speaker: str
    text: str


@dataclass
class Draft:
    """A call being drawn: its utterances, labels and what makes it tricky."""

    bank: Any
    rng: random.Random
    today: date
    utts: list[Utt] = field(default_factory=list)
    expected: dict[str, bool] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    context_day: date | None = None

    def say(self, speaker: str, text: str) -> None:
        self.utts.append(Utt(speaker, text))

    def when(self, w: When) -> str:
        text = self.bank.render(w, self.today, self.rng, self.context_day)
        self.context_day = w.day
        return text


def opening(d: Draft, name: str, staff: str, company: str) -> None:
    bank, rng = d.bank, d.rng
    if rng.random() < bank.P_PICKUP:
        d.say("customer", rng.choice(bank.PICKUPS))
    kind = rng.choices(["ok", "no_greeting", "no_company", "no_self_id", "none"], [76, 6, 6, 7, 5])[
        0
    ]
    d.expected["opening"] = kind == "ok"
    if kind != "ok":
        d.notes.append(f"opening: {kind}")
    text = bank.opening(rng, kind, name, staff)
    ask = bank.ask_company(rng, company)
    if rng.random() < 0.5:
        d.say("dispatcher", f"{text}{ask}")
    else:
        d.say("dispatcher", text)
        d.say("dispatcher", ask)
    d.say("customer", bank.company_yes(rng, company))


def reschedule(d: Draft) -> None:
    bank, rng = d.bank, d.rng
    old = random_when(rng, d.today, same_day=False)
    kind = rng.choices(["dispatcher", "customer", "none"], [40, 25, 35])[0]
    d.expected["reschedule_reason"] = kind != "none"
    d.notes.append(f"reschedule, reason: {kind}")
    old_text = d.when(old)
    if kind == "dispatcher":
        d.say("dispatcher", bank.resched_with_reason(rng, old_text))
        d.say("customer", rng.choice(bank.OK_SHORT))
    elif kind == "customer":
        d.say("dispatcher", bank.resched_callback(rng, old_text))
        d.say("customer", bank.customer_reason(rng))
    else:
        d.say("dispatcher", bank.resched_no_reason(rng, old_text))
        d.say("customer", rng.choice(bank.OK_SHORT))


def negotiate(d: Draft, call_time: datetime) -> tuple[When, When | None]:
    """The time talk; returns the agreed window and a proposal that was turned down."""
    bank, rng = d.bank, d.rng
    same_day = call_time.hour <= 12
    flow = rng.choices(
        ["direct", "counter", "customer_first", "correction", "double"], [40, 25, 20, 8, 7]
    )[0]
    d.notes.append(f"time: {flow}")
    agreed = random_when(rng, d.today, same_day=same_day)
    if flow == "direct":
        d.say("dispatcher", bank.propose(rng, d.when(agreed)))
        d.say("customer", rng.choice(bank.ACCEPT))
        return agreed, None
    if flow == "customer_first":
        d.say("dispatcher", bank.ask_when(rng))
        d.say("customer", bank.offer(rng, d.when(agreed)))
        d.say("dispatcher", bank.confirm(rng, d.when(agreed)))
        return agreed, None
    first = random_when(rng, d.today, same_day=same_day)
    if flow == "counter":
        agreed = _other_than(rng, first, d.today)
        d.say("dispatcher", bank.propose(rng, d.when(first)))
        d.say("customer", bank.reject_counter(rng, d.when(first), d.when(agreed)))
        d.say("dispatcher", bank.confirm(rng, d.when(agreed)))
        return agreed, first
    if flow == "correction":
        wrong = _other_than(rng, agreed, d.today)
        d.say("dispatcher", bank.propose(rng, d.when(agreed)))
        d.say("customer", rng.choice(bank.ACCEPT))
        d.say("dispatcher", bank.restate(rng, d.when(wrong)))
        d.say("customer", bank.correct_time(rng, d.when(agreed)))
        d.say("dispatcher", bank.apologise_confirm(rng, d.when(agreed)))
        return agreed, wrong
    full = _other_than(rng, first, d.today)
    agreed = _other_than(rng, full, d.today)
    d.say("dispatcher", bank.propose(rng, d.when(first)))
    d.say("customer", bank.reject_counter(rng, d.when(first), d.when(full)))
    d.say("dispatcher", bank.fully_booked(rng, d.when(full), d.when(agreed)))
    d.say("customer", rng.choice(bank.ACCEPT))
    return agreed, full


def _other_than(rng: random.Random, when: When, today: date) -> When:
    """A window clearly apart from `when`: another day, or the other half of the same day."""
    if when.kind in ("period", "point", "range") and rng.random() < 0.4:
        morning = when.window()[0].hour < 12
        if morning:
            return (
                When(when.day, "period", period="下午")
                if rng.random() < 0.5
                else When(when.day, "point", start=time(rng.choice([14, 15, 16])))
            )
        return (
            When(when.day, "period", period="上午")
            if rng.random() < 0.5
            else When(when.day, "point", start=time(rng.choice([9, 10])))
        )
    return random_when(rng, today, not_day=when.day, same_day=False)


def address(d: Draft, spoken: str) -> None:
    bank, rng = d.bank, d.rng
    kind = rng.choices(
        ["read", "customer_states", "not_asked", "corrected", "unanswered"], [62, 10, 12, 8, 8]
    )[0]
    d.expected["address_confirmed"] = kind in ("read", "customer_states")
    if kind != "read":
        d.notes.append(f"address: {kind}")
    if kind == "not_asked":
        return
    if kind == "customer_states":
        d.say("dispatcher", rng.choice(bank.ADDRESS_ASK))
        d.say("customer", bank.customer_address(rng, spoken))
        d.say("dispatcher", rng.choice(bank.NOTED))
        return
    d.say("dispatcher", bank.address_read(rng, spoken))
    if kind == "read":
        d.say("customer", rng.choice(bank.ADDRESS_YES))
    elif kind == "corrected":
        d.say("customer", bank.address_correction(rng, rng.choice(bank.OTHER_ADDRESSES)))
        d.say("dispatcher", rng.choice(bank.AFTER_CORRECTION))
    else:
        question, answer = rng.choice(bank.OFF_TOPIC)
        d.say("customer", question)
        d.say("dispatcher", answer)


def manners(d: Draft) -> None:
    bank, rng = d.bank, d.rng
    rude = rng.random() < 0.15
    d.expected["no_forbidden_phrases"] = not rude
    if rude:
        question, answer = rng.choice(bank.RUDE_EXCHANGES)
        d.say("customer", question)
        d.say("dispatcher", answer)
        d.notes.append("forbidden phrase")
    if rng.random() < 0.3:
        d.say("dispatcher", rng.choice(bank.POLITE_NEAR_MISSES))
        d.say("customer", rng.choice(bank.OK_SHORT))
        d.notes.append("polite near-miss of a forbidden phrase")
    if rng.random() < 0.15:
        d.say("customer", rng.choice(bank.CUSTOMER_BLUNT))
        d.say("dispatcher", rng.choice(bank.NOTED))
        d.notes.append("customer speaks bluntly")


def closing(d: Draft) -> None:
    bank, rng = d.bank, d.rng
    kind = rng.choices(["ok", "abrupt", "customer_only", "thanks_early"], [78, 8, 7, 7])[0]
    d.expected["closing"] = kind == "ok"
    if kind != "ok":
        d.notes.append(f"closing: {kind}")
    for speaker, text in bank.closing(rng, kind):
        d.say(speaker, text)
