"""The labelled call corpus loads, is big enough, labels only known rules, and is reproducible."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub.domain.call_check import RULES
from tests.data.call_transcripts.corpus import HERE, load


def test_corpus_has_at_least_300_calls_and_120_held_out() -> None:
    dev, heldout = load("dev"), load("heldout")
    assert len(dev) + len(heldout) >= 300
    assert len(heldout) >= 120


def test_every_call_labels_exactly_the_known_rules() -> None:
    for split in ("dev", "heldout"):
        for line in (HERE / f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            assert set(row["expected"]) == set(RULES), row["id"]
            assert all(isinstance(v, bool) for v in row["expected"].values()), row["id"]
            assert row["note"], row["id"]


def test_every_rule_has_failing_and_passing_calls_in_both_splits() -> None:
    for split in ("dev", "heldout"):
        calls = load(split)
        for rule in RULES:
            outcomes = {c.expected[rule] for c in calls}
            assert outcomes == {True, False}, (split, rule)


def test_a_share_of_calls_comes_without_speaker_labels() -> None:
    calls = load("heldout")
    unlabelled = [c for c in calls if all(s.speaker is None for s in c.transcript.segments)]
    assert len(unlabelled) >= len(calls) // 5
    assert all(len(c.true_speakers) == len(c.transcript.segments) for c in calls)


def test_the_held_out_split_shares_no_call_id_with_dev() -> None:
    dev = {c.transcript.call_id for c in load("dev")}
    assert dev.isdisjoint(c.transcript.call_id for c in load("heldout"))


def test_the_corpus_files_are_what_the_generator_writes() -> None:
    script = Path(HERE) / "make_corpus.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
