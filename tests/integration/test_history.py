"""The exercise page's history: every submission, the latest included, with its time in the student's zone, what
was sent for every part (a choice as its options' texts), each part's verdict, the score and a late mark.

The exercise is the all-kinds weather survey (``test_part_kinds``): six parts of weight 1, so a submission's score
is the sum of the parts' scores over 6. Moscow is UTC+3 all year (since 2014).
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from webapp.models import RevealPolicy, Submission, utcnow

from ..conftest import log_in
from .test_part_kinds import post
from .test_reveal_answers import WRONG, all_kinds_survey

PART_ORDER = ["p_hat", "estimate_se", "loglik", "method", "statements", "why_log"]
PARTLY = {
    "part_p_hat": "3/5",
    "part_estimate_se": "0.6; 0.2",
    "part_loglik": "ln(p)",
    "part_method": "likelihood",
    "part_statements": ["share"],
    "part_why_log": "Because <b>ln</b> & exp are increasing.",
}
RIGHT = {
    "part_p_hat": "0,6",
    "part_estimate_se": "0.6; 0.1265",
    "part_loglik": "9*ln(p) + 6*ln(1-p)",
    "part_method": "likelihood",
    "part_statements": ["log_same", "share"],
    "part_why_log": "Monotone.",
}


@pytest.fixture
def kinds(db_session, catalogue_root, make_user, make_course):
    survey = all_kinds_survey(db_session, catalogue_root, make_user, make_course)
    return survey["make"](RevealPolicy.NEVER)


@pytest.fixture
def three_attempts(client, kinds, db_session) -> list[Submission]:
    """Wrong, then partly right, then right after the due time; Alice lives in Moscow."""
    kinds["alice"].timezone = "Europe/Moscow"
    db_session.flush()
    log_in(client, kinds["alice"])
    assert post(client, kinds, WRONG).status_code == 302
    assert post(client, kinds, PARTLY).status_code == 302
    kinds["assignment"].due_at = utcnow() - timedelta(minutes=5)
    db_session.flush()
    assert post(client, kinds, RIGHT).status_code == 302
    submissions = sorted(kinds["session"].query(Submission).all(), key=lambda s: s.attempt_no)
    assert [s.is_late for s in submissions] == [False, False, True]
    return submissions


def history_section(page: str) -> str:
    found = re.search(r'<details class="history" id="history">(.*?)</details>', page, re.DOTALL)
    assert found, "no history on the page"
    return found.group(1)


def attempts_in(page: str) -> dict[int, str]:
    return {
        int(n): body
        for n, body in re.findall(
            r'<li class="attempt" id="attempt-(\d+)">(.*?)</li>', history_section(page), re.DOTALL
        )
    }


def parts_in(attempt: str) -> dict[str, str]:
    found = re.findall(r'<div class="attempt-part">(.*?)</div>', attempt, re.DOTALL)
    assert len(found) == len(PART_ORDER)
    return dict(zip(PART_ORDER, found, strict=True))


def badge(part: str) -> str:
    return re.search(r'<span class="badge badge-\w+">([^<]+)</span>', part).group(1)


def test_every_attempt_is_listed_newest_first_with_time_score_and_late_mark(client, kinds, three_attempts):
    page = client.get(kinds["url"], headers={"Accept-Language": "en"}).text
    assert "History: 3 attempts" in page
    attempts = attempts_in(page)
    assert list(attempts) == [3, 2, 1]
    for submission in three_attempts:
        body = attempts[submission.attempt_no]
        moscow = submission.created_at + timedelta(hours=3)
        shown = f"{moscow.day} {moscow.strftime('%b')} {moscow.year}, {moscow:%H:%M} MSK"
        assert f'<time datetime="{submission.created_at.isoformat()}">{shown}</time>' in body
        assert ('<span class="badge badge-warn">late</span>' in body) == submission.is_late
    # Scores: 0 of 6; 1 + 0.5 + 0 + 1 + 0.5 + 0 of 6; every part but the written one, 5 of 6.
    for number, percent in ((1, 0), (2, 50), (3, 83)):
        assert f'<span class="score">score {percent}%</span>' in attempts[number]


def test_every_part_shows_what_was_sent_and_its_verdict(client, kinds, three_attempts):
    page = client.get(kinds["url"], headers={"Accept-Language": "en"}).text
    attempts = attempts_in(page)
    first, second, third = (parts_in(attempts[n]) for n in (1, 2, 3))
    assert {name: badge(part) for name, part in first.items()} == {
        **{name: "incorrect" for name in PART_ORDER},
        "why_log": "awaiting the teacher",
    }
    assert {name: badge(part) for name, part in second.items()} == {
        "p_hat": "correct",
        "estimate_se": "partly correct",
        "loglik": "incorrect",
        "method": "correct",
        "statements": "partly correct",
        "why_log": "awaiting the teacher",
    }
    assert {name: badge(part) for name, part in third.items()} == {
        **{name: "correct" for name in PART_ORDER},
        "why_log": "awaiting the teacher",
    }
    # Typed text exactly as typed.
    assert "<code>3/5</code>" in second["p_hat"] and "<code>0.6; 0.2</code>" in second["estimate_se"]
    assert "<code>ln(p)</code>" in second["loglik"] and "<code>0,6</code>" in third["p_hat"]
    # Choices as the options' texts, never their ids or positions.
    assert "The variance of the answers" in first["method"] and "The estimate is always one half" in first["statements"]
    chosen = [
        html.unescape(re.sub(r"<[^>]+>", "", q))
        for q in re.findall(r'<q class="chosen-option">(.*?)</q>', third["statements"], re.DOTALL)
    ]
    assert len(chosen) == 2 and "The estimate is the share of yes answers" in chosen
    assert any("peak at the same" in text for text in chosen)
    assert "log_same" not in page and 'value="log_same"' not in page
    # The written answer is quoted, and what looks like markup stays text.
    assert "Because &lt;b&gt;ln&lt;/b&gt; &amp; exp are increasing." in second["why_log"]
    assert "<b>ln</b>" not in page


def test_the_history_reads_in_russian(client, kinds, three_attempts):
    page = client.get(kinds["url"], headers={"Accept-Language": "ru"}).text
    assert "История: 3 попытки" in page
    attempts = attempts_in(page)
    first = parts_in(attempts[1])
    assert "Дисперсию ответов" in first["method"] and badge(first["method"]) == "неверно"
    assert "Попытка 1" in attempts[1]
    assert '<span class="badge badge-warn">с опозданием</span>' in attempts[3]


def test_one_attempt_is_history_too(client, kinds):
    log_in(client, kinds["alice"])
    assert post(client, kinds, WRONG).status_code == 302
    page = client.get(kinds["url"], headers={"Accept-Language": "en"}).text
    assert "History: 1 attempt" in page and list(attempts_in(page)) == [1]
    assert 'id="feedback"' in page  # and the latest's feedback above it
