"""Concept questions (utils/quiz.py): every choice explained, the key sealed in student notebooks, nothing stops."""

import pytest
import torch

from utils import quiz

WHY = {
    "a": "Tempting: backward() overwrites .grad? No, it adds to it.",
    "b": "backward() adds into .grad, so old gradients would pile up.",
    "c": "The optimizer does not read .grad twice.",
}


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch):
    monkeypatch.setattr(quiz, "_asked", {})


def test_each_choice_prints_its_own_explanation_and_says_right_or_not(capsys):
    question = quiz.Question("02.1", right="b", why=WHY)
    quiz.check(question, "b")
    assert capsys.readouterr().out == f"Question 1 (b): right. {WHY['b']}\n" and quiz.was_right(question)
    quiz.check(question, " A ")
    out = capsys.readouterr().out
    assert out.startswith(f"Question 1 (a): not this one. {WHY['a']}") and "Try another letter." in out
    assert not quiz.was_right(question)


def test_no_answer_and_a_non_choice_say_what_to_do_without_raising(capsys):
    question = quiz.Question("02.1", right="b", why=WHY)
    quiz.check(question, None)
    assert (
        "Question 1 is not answered yet: set `answer` to the letter of your choice (a, b, c)" in capsys.readouterr().out
    )
    quiz.check(question, "e")
    assert "'e' is not one of the choices (a, b, c)" in capsys.readouterr().out
    assert quiz.still_open() == [1]


def test_a_letter_without_quotes_is_named_without_printing_the_variable_it_names(capsys):
    question = quiz.Question("01.1", right="b", why=WHY)
    b = torch.arange(1000.0)  # answer = b, without quotes, picks up the notebook's tensor b
    quiz.check(question, b)
    out = capsys.readouterr().out
    assert out.startswith("Question 1: `answer` holds a tensor, not a letter: write the letter in quotes")
    assert 'such as answer = "a"' in out and "tensor(" not in out and "999" not in out
    quiz.check(question, 2)
    assert "`answer` holds a number, not a letter" in capsys.readouterr().out
    quiz.check(question, ["b"])
    assert "`answer` holds a list, not a letter" in capsys.readouterr().out
    assert quiz.still_open() == [1]


def test_the_sealed_key_works_like_the_plain_one_and_reveals_nothing():
    plain = quiz.Question("02.1", right="b", why=WHY, register=False)
    source = plain.sealed_source("QUESTION_1")
    assert all(text not in source for text in WHY.values()) and "right" not in source.split("\n", 1)[1]
    assert max(len(line) for line in source.splitlines()) <= 120
    namespace = {"quiz": quiz}
    exec(source, namespace)
    sealed = namespace["QUESTION_1"]
    assert sealed.choices == ("a", "b", "c")
    assert [sealed.explain(c) for c in "abc"] == [(False, WHY["a"]), (True, WHY["b"]), (False, WHY["c"])]


def test_a_key_needs_explanations_for_every_choice_and_a_valid_id():
    with pytest.raises(ValueError, match="`right` one of them"):
        quiz.Question("02.1", right="d", why=WHY)
    with pytest.raises(ValueError, match='reads "NN.k"'):
        quiz.Question("q1", right="a", why=WHY)


def test_recap_lists_the_questions_still_open(capsys):
    first, second, third = (quiz.Question(f"02.{n}", right="b", why=WHY) for n in (1, 2, 3))
    quiz.check(first, "b")
    quiz.check(second, "a")
    capsys.readouterr()
    quiz.recap()
    assert quiz.still_open() == [2, 3]
    out = capsys.readouterr().out
    assert "answered right: 1 of 3" in out
    assert "question 2 (the last answer was not right), 3 (not answered)" in out
    quiz.check(second, "b")
    quiz.check(third, "b")
    capsys.readouterr()
    quiz.recap()
    assert quiz.still_open() == [] and "all 3 answered right" in capsys.readouterr().out
