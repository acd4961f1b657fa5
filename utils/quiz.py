"""Concept questions, "Check your understanding": multiple choice, with an explanation for every choice.

The question and its choices are a markdown cell. A code cell tagged `quiz-key` builds the key, in solutions/:

    QUESTION_1 = quiz.Question("02.1", right="b", why={"a": "Tempting, but ...", "b": "Yes: ...", ...})

and the student answers in the cell after it, which checks the answer at once:

    answer = "b"
    quiz.check(QUESTION_1, answer)

`check` prints whether the choice is right and the explanation of that very choice; a wrong answer and no answer
(`answer = None`) are reported without stopping the run, and `recap()` at the end of the notebook lists the
questions still open. In the student notebooks the key is sealed (tools/student_version.py): each explanation is
stored encrypted with a key derived from its own letter, so reading the notebook reveals neither the right answer
nor the explanations; choosing a letter opens that one. The right answers live only in solutions/.
"""

import base64
import hashlib
import json

_asked = {}  # question id -> (number, the student's last valid answer or None, whether it was right)


def _keystream(question_id, letter, size):
    seed = hashlib.sha256(f"pytorch-course quiz {question_id} {letter}".encode()).digest()
    blocks = (hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range(size // 32 + 1))
    return b"".join(blocks)[:size]


def _seal(question_id, letter, entry):
    plain = json.dumps(entry).encode()
    return base64.b64encode(bytes(a ^ b for a, b in zip(plain, _keystream(question_id, letter, len(plain))))).decode()


def _open(question_id, letter, sealed):
    data = base64.b64decode(sealed)
    return json.loads(bytes(a ^ b for a, b in zip(data, _keystream(question_id, letter, len(data)))))


class Question:
    """The key to one question: which choice is right, and why each choice is right or wrong.

    `question_id` is "NN.k" (notebook NN, question k). `why` maps every choice's letter to its explanation.
    """

    def __init__(self, question_id, right=None, why=None, *, sealed=None, register=True):
        notebook, _, number = str(question_id).partition(".")
        if not (notebook.isdigit() and number.isdigit()):
            raise ValueError(f'a question id reads "NN.k", such as "02.1", not {question_id!r}')
        self.id, self.number = question_id, int(number)
        if sealed is None:
            why = dict(why or {})
            if right not in why or len(why) < 2:
                raise ValueError(
                    f"question {question_id}: `why` needs an explanation for each of at least two "
                    f"choices, `right` one of them (got right={right!r}, choices {sorted(why)})"
                )
            sealed = {letter: _seal(question_id, letter, [letter == right, text]) for letter, text in why.items()}
        self._sealed = dict(sealed)
        self.choices = tuple(sorted(self._sealed))
        if register:
            _asked.setdefault(self.id, (self.number, None, False))

    @classmethod
    def sealed(cls, question_id, entries):
        """Returns the Question whose explanations are `entries` ({letter: sealed text}), as student notebooks hold."""
        return cls(question_id, sealed=entries)

    def explain(self, letter):
        """Returns (whether `letter` is right, the explanation of that choice)."""
        right, text = _open(self.id, letter, self._sealed[letter])
        return bool(right), text

    def sealed_source(self, target):
        """Returns the code of a cell that builds this key sealed, assigned to `target` (for student notebooks)."""
        lines = [
            f"# The key to Question {self.number}, sealed: choosing a letter opens the explanation of that choice.",
            f"{target} = quiz.Question.sealed(",
            f'    "{self.id}",',
            "    {",
        ]
        for letter in self.choices:
            text = self._sealed[letter]
            chunks = [text[i : i + 100] for i in range(0, len(text), 100)]
            lines.append(f'        "{letter}": (')
            lines += [f'            "{chunk}"' for chunk in chunks]
            lines.append("        ),")
        return "\n".join([*lines, "    },", ")"])


def _letter(answer, choices):
    """Returns the answer as a choice's letter, or None when it is not one."""
    if isinstance(answer, str) and answer.strip().lower().strip(".)") in choices:
        return answer.strip().lower().strip(".)")
    return None


def check(question, answer):
    """Returns None; prints whether `answer` is the right choice, and the explanation of the choice made.

    None (not answered yet), a letter that is not a choice, a value that is not text (a letter written without
    quotes names a variable) or a wrong choice print what to do: they never stop the notebook. Every call is
    remembered for `recap()`. (`was_right` says how the last answer fared.)
    """
    choices = ", ".join(question.choices)
    if answer is None:
        print(
            f"Question {question.number} is not answered yet: set `answer` to the letter of your choice "
            f"({choices}) and run this cell again."
        )
        _asked.setdefault(question.id, (question.number, None, False))
        return
    if not isinstance(answer, str):  # `answer = b` without quotes: b is a variable (a tensor, a number, ...)
        kind = "a tensor" if type(answer).__name__ == "Tensor" else f"a {type(answer).__name__}"
        kind = "a number" if isinstance(answer, (int, float)) else kind
        print(
            f"Question {question.number}: `answer` holds {kind}, not a letter: write the letter in quotes, such as "
            'answer = "a" (without the quotes, Python reads a variable of that name).'
        )
        return
    letter = _letter(answer, question.choices)
    if letter is None:
        print(
            f"Question {question.number}: {answer!r} is not one of the choices ({choices}). Write one letter, "
            'in quotes, such as answer = "a".'
        )
        return
    right, text = question.explain(letter)
    _asked[question.id] = (question.number, letter, right)
    if right:
        print(f"Question {question.number} ({letter}): right. {text}")
    else:
        print(f"Question {question.number} ({letter}): not this one. {text}\nTry another letter.")


def was_right(question):
    """Returns True when the last answer checked for `question` was the right one."""
    return _asked.get(question.id, (None, None, False))[2]


def still_open():
    """Returns the numbers of the questions asked in this session and not yet answered right."""
    return sorted(number for number, _, right in _asked.values() if not right)


def recap():
    """Returns None; prints how many questions are answered right, and which are still open and why."""
    done = sorted(number for number, _, right in _asked.values() if right)
    open_ = still_open()
    if not _asked:
        print("No concept question was checked in this session: run the question cells above.")
    elif not open_:
        print(f"Concept questions: all {len(done)} answered right.")
    else:
        wrong = {number for number, letter, right in _asked.values() if letter and not right}
        listed = ", ".join(
            f"{n}" + (" (the last answer was not right)" if n in wrong else " (not answered)") for n in open_
        )
        print(f"Concept questions answered right: {len(done)} of {len(_asked)}. Still open: question {listed}.")
