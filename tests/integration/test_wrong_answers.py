"""Item analysis: the most common wrong answers are grouped by what they mean, not by how they were typed (numbers and
vectors by their parsed values, formulas by their text without spaces or case), each shown in its commonest
spelling with the count of all its spellings."""

from __future__ import annotations

import re

from exercises.schema import NumberPart, VectorPart
from webapp.models import CourseRole
from webapp.services.courses import enrol
from webapp.services.item_analysis import _answer_key, analyse_course

from .test_item_analysis import EN, WRONG_ANSWER_ROW, answer, teacher_client


def test_wrong_numbers_are_grouped_by_their_value_and_shown_in_their_commonest_spelling(app, db_session, classroom,
                                                                                       make_user):
    course, item = classroom["course"], classroom["item"]
    carol, dave = make_user(name="Carol"), make_user(name="Dave")
    for student in (carol, dave):
        enrol(db_session, course, student, CourseRole.STUDENT)
    alice, bob = classroom["alice"], classroom["bob"]
    answer(db_session, item, alice, "2/5", loglik="9*ln(p)+6*ln(p)")
    answer(db_session, item, alice, "0,40")
    answer(db_session, item, bob, "0,40", loglik="9 * ln(p) +  6 * LN(p)")
    answer(db_session, item, bob, " .4 ")
    answer(db_session, item, carol, "4e-1")
    answer(db_session, item, carol, "0.7")
    answer(db_session, item, dave, "0,7")
    answer(db_session, item, dave, "0.41")  # close to 0.4, but another answer

    parts = {part.name: part for part in analyse_course(db_session, course, "en").item(item.id).parts}
    wrong = parts["p_hat"].wrong_answers
    # 2/5, 0,40 (twice), .4 and 4e-1 are all 0.4: one answer of 5, labelled by the spelling typed most often.
    assert [(w.text, w.count) for w in wrong] == [("0,40", 5), ("0.7", 2), ("0.41", 1)]
    assert wrong[0].spellings == ("0,40", "2/5", ".4", "4e-1")
    assert wrong[1].spellings == ("0.7", "0,7")  # a tie: the spelling typed first leads
    # Formulas stay text, grouped without their spaces and case: the two wrong log-likelihoods are one answer.
    [formula] = parts["loglik"].wrong_answers
    assert (formula.text, formula.count) == ("9*ln(p)+6*ln(p)", 2)

    client = teacher_client(app, classroom["teacher"])
    page = client.get(f"/teach/courses/{course.id}/analysis/items/{item.id}", headers=EN).text
    section = re.search(r'<article class="part-analysis" id="part-p_hat">(.*?)</article>', page, re.S).group(1)
    rows = WRONG_ANSWER_ROW.findall(section)
    assert [(label, count) for label, _, count in rows] == [("0,40", "5"), ("0.7", "2"), ("0.41", "1")]
    # The other spellings of a grouped answer are named beside it; an answer typed one way has none.
    also = [re.findall(r'<code class="raw-answer">([^<]*)</code>', others) for _, others, _ in rows]
    assert also == [["2/5", ".4", "4e-1"], ["0,7"], []]
    assert "also typed as" in rows[0][1] and "also typed as" not in rows[2][1]


def test_vectors_group_by_their_components_in_order_and_answers_without_a_parsed_value_by_their_text():
    vector = VectorPart.model_construct(name="beta", kind="vector")
    assert _answer_key(vector, "1,5; 2", [1.5, 2.0])[0] == _answer_key(vector, " 3/2;2.000 ", [1.5, 2.0])[0]
    assert _answer_key(vector, "1,5; 2", [1.5, 2.0])[0] != _answer_key(vector, "2; 1,5", [2.0, 1.5])[0]
    number = NumberPart.model_construct(name="p", kind="number")
    assert _answer_key(number, "-0", -0.0)[0] == _answer_key(number, "0", 0.0)[0]
    assert _answer_key(number, "1/3", 1 / 3)[0] == _answer_key(number, "0.333333333333333", 0.333333333333333)[0]
    assert _answer_key(number, " 0,4 ", None) == ("0,4", "0,4")  # a submission stored without its parsed value
