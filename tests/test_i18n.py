"""utils/i18n.py: texts translated as they are printed, checks' failures and course notes too; English untouched."""

import io
import sys

import pytest
import torch
from nbformat.v4 import new_code_cell, new_notebook

from tests import nbrun
from utils import checks, errors, i18n

ENTRIES = [
    ("check passed: {0}", "확인 통과: {0}", True),
    ("Hint: {0}", "힌트: {0}", True),
    ("the loss", "손실", False),
    ("{0} has shape {1} but should be {2}.", "{0}의 모양이 {1}입니다. 올바른 모양은 {2}입니다.", True),
    ("{0} matches {1} (relative error below {2})", "{0}이(가) {1}와(과) 일치합니다(상대 오차 {2} 미만)", True),
    ("the reference", "기준값", False),
    ("the target was {0} {1}", "목표: {0} {1}", True),
    ("at most", "최대", False),
    ("add .sum() at the end.", "끝에 .sum()을 붙이세요.", False),
    ("{0} (not answered)", "{0}(답하지 않음)", True),
    ("Still open: question {0}.", "남은 질문: {0}.", True),
]


@pytest.fixture
def translator():
    return i18n.Translator(ENTRIES)


@pytest.fixture
def korean():
    """The course in Korean in this process (as a Korean notebook's set-up cell sets it), English again afterwards."""
    i18n.use("ko")
    yield
    i18n.use("en")


def test_exact_entries_then_templates_then_the_text_unchanged(translator):
    assert translator.translate("the loss") == "손실"
    assert translator.translate("check passed: the loss") == "확인 통과: 손실", "a captured catalog text is translated"
    assert translator.translate("check passed: grad_w1") == "확인 통과: grad_w1", "code identifiers stay"
    assert translator.translate("tensor([1., 2.])") == "tensor([1., 2.])"
    assert translator.translate("") == "" and translator.translate(None) is None


def test_numbers_and_shapes_stay_and_placeholders_may_move(translator):
    assert (
        translator.translate("h has shape (2, 3) but should be (3, 2).")
        == "h의 모양이 (2, 3)입니다. 올바른 모양은 (3, 2)입니다."
    )
    assert translator.translate("y matches the reference (relative error below 1e-05)") == (
        "y이(가) 기준값와(과) 일치합니다(상대 오차 1e-05 미만)"
    )


def test_a_message_of_several_lines_is_translated_line_by_line(translator):
    message = (
        "h has shape (2, 3) but should be (3, 2).\nHint: add .sum() at the end.\nThe error itself: RuntimeError: x"
    )
    assert translator.translate(message) == (
        "h의 모양이 (2, 3)입니다. 올바른 모양은 (3, 2)입니다.\n"
        "힌트: 끝에 .sum()을 붙이세요.\nThe error itself: RuntimeError: x"
    )


def test_the_reading_that_translates_most_values_wins(translator):
    assert translator.translate("the target was at most 120") == "목표: 최대 120", "not ('at', 'most 120')"


def test_a_list_of_catalog_texts_is_translated_piece_by_piece(translator):
    assert translator.translate("Still open: question 2 (not answered), 3 (not answered).") == (
        "남은 질문: 2(답하지 않음), 3(답하지 않음)."
    )


def test_a_hint_that_holds_a_semicolon_stays_whole_before_the_lesson():
    """checks.running joins the checker's cause and the course's lesson with "; ", and a cause may hold "; " too."""
    cause, lesson = "the cause; in two parts", "the lesson, in two parts; really"
    translator = i18n.Translator([*ENTRIES, (cause, "원인", False), (lesson, "교훈", False)])
    assert translator.translate(f"Hint: {cause}; {lesson}") == "힌트: 원인; 교훈"
    assert translator.translate(f"Hint: {cause}; the loss") == "힌트: 원인; 손실", "a single piece is a value"


def test_the_reverse_translator_reads_a_translation_back_into_english(translator):
    back = translator.reverse()
    assert back.translate("확인 통과: 손실") == "check passed: the loss"
    assert back.translate(translator.translate("the target was at most 7")) == "the target was at most 7"


def test_a_translation_with_other_placeholders_is_refused():
    with pytest.raises(ValueError, match="other placeholders"):
        i18n.Translator([("a {0} b {1}", "가 {0}", True)])


def test_the_stream_writes_whole_lines_translated_and_the_rest_at_flush(translator):
    out = io.StringIO()
    stream = i18n.TranslatingStream(out, translator)
    stream.write("check passed: ")
    assert out.getvalue() == "", "half a line waits for the rest"
    stream.write("the loss\nthe lo")
    stream.write("ss")
    assert out.getvalue() == "확인 통과: 손실\n"
    stream.flush()
    assert out.getvalue() == "확인 통과: 손실\n손실"


def test_in_english_nothing_is_wrapped_or_translated(monkeypatch):
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    before = sys.stdout
    assert i18n.use() == "en" and i18n.language() == "en"
    assert sys.stdout is before and i18n.ENV_VAR not in __import__("os").environ
    assert i18n.translate("check passed: the loss") == "check passed: the loss"
    with pytest.raises(checks.CheckFailed, match="^h has shape"):
        checks.check_shape("h", torch.zeros(2, 3), (3, 2))


def test_in_korean_printed_lines_and_check_failures_are_translated(capsys, korean):
    i18n.use("ko")  # here, under pytest's capture of this test's output (the fixture sets English back)
    assert i18n.language() == "ko" and isinstance(sys.stdout, i18n.TranslatingStream)
    i18n.use("ko")  # again, as when the set-up cell runs twice: one wrapper, not two
    assert not isinstance(sys.stdout.stream, i18n.TranslatingStream)
    checks.verify_below("the loss", 0.5, 1.0)
    sys.stdout.flush()
    assert capsys.readouterr().out == "검증됨: 손실은(는) 1e+00보다 작습니다\n"
    with pytest.raises(checks.CheckFailed) as failure:
        checks.check_shape("h", torch.zeros(2, 3), (3, 2))
    assert str(failure.value).startswith("h의 모양이 (2, 3)입니다")
    assert i18n.english(str(failure.value)) == "h has shape (2, 3) but should be (3, 2): did you transpose?" + (
        "\nHint: a gradient has the shape of the tensor it belongs to; swap the operands or transpose one."
    )


def test_english_again_after_korean_unwraps_the_stream(korean):
    i18n.use("en")
    assert not isinstance(sys.stdout, i18n.TranslatingStream) and i18n.translate("the loss") == "the loss"


def test_a_language_without_translations_is_refused():
    with pytest.raises(ValueError, match="no translation"):
        i18n.use("xx")


def test_in_a_kernel_prints_failed_checks_and_course_notes_come_out_in_korean():
    """A real ipykernel (nbclient): the language is set in the set-up cell, as the Korean notebooks do."""
    cells = [
        "from utils import checks, errors, i18n\nimport torch\ni18n.use('ko')\nerrors.show_lessons()",
        "print('check passed: the loss')\nprint('tensor', torch.zeros(1))",
        "print('check passed:', end=' ')\nprint('the loss', end='')",
        "checks.check_shape('h', torch.zeros(2, 3), (3, 2))",
        "torch.zeros(2, 3) @ torch.zeros(2, 3)",
    ]
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    for cell in nb.cells[3:]:
        cell.metadata["tags"] = ["raises-exception"]
    nb, failed, error = nbrun.execute(nb, nbrun.ROOT)
    assert failed is None, error
    printed = nbrun.text_of(nb.cells[1]) + nbrun.text_of(nb.cells[2])
    assert printed == "확인 통과: 손실\ntensor tensor([0.])\n확인 통과: 손실", (
        "a line left open is written at the cell's end"
    )
    shown = nb.cells[3].outputs[0]
    assert (
        shown.ename == "CheckFailed"
        and shown.traceback[0] == "CheckFailed: h의 모양이 (2, 3)입니다. 올바른 모양은 (3, 2)입니다. 전치하지 않았나요?"
    )
    assert shown.traceback[1].startswith("힌트: 기울기는 그것이 속한 텐서와 모양이 같습니다")
    note = "\n".join(nb.cells[4].outputs[0].traceback)
    assert "mat1 and mat2 shapes cannot be multiplied" in note, "PyTorch's own message stays English"
    assert "과정 노트: 두 텐서의 모양이 서로 맞지 않습니다" in note and "Course note" not in note


def test_the_english_course_note_is_unchanged():
    error = RuntimeError("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)")
    assert errors.lesson_for(error).startswith("two tensors' shapes do not fit together")
