"""The course in another language: what the helpers print, translated as it is printed (the Korean edition).

The Korean notebooks (solutions/ko/, notebooks/ko/) set their language in the set-up cell:

    from utils import i18n
    i18n.use("ko")

From then on, in that kernel, every line printed to sys.stdout (checks, claims, quiz answers, the challenge), each
check's failure (checks.CheckFailed) and the course note under a classic error (errors.show_lessons) come out in
Korean. Code identifiers, numbers, API names and PyTorch's own messages stay English. Without a use() call, or
after use("en"), nothing is translated and nothing is wrapped: the English notebooks never call it.

An English text is translated by its exact entry first, else by a template: an entry made from an f-string, whose
numbered placeholders ("numpy: loss {0} at iteration 0") match any text; the values they capture are translated in
turn when they are catalog texts themselves, else piece by piece around "; " and ", " (a run of pieces whole when it
is one catalog text: a checker's hint that holds "; " itself, then "; " and the course's lesson), and kept as they
are otherwise. When several templates match, the reading that leaves the least English prose wins, then the one
that translates the most values, then the template with the most literal text. A text of several lines is tried
whole, then line by line. Anything unknown comes out unchanged.

The entries come from i18n/<language>/runtime.json, which `python3 course.py translate` compiles from the gettext
catalogs i18n/<language>/*.po (only their translated, non-fuzzy entries). Reading it needs the standard library
only, so a Korean notebook runs on Colab as it is. Importing this module changes nothing.
"""

import json
import os
import re
import string
import sys
from pathlib import Path

CATALOGS = Path(__file__).resolve().parent.parent / "i18n"
RUNTIME = "runtime.json"
ENV_VAR = "COURSE_LANG"  # set by use(), so that processes the notebook starts can follow with use()
SEPARATORS = ("; ", ", ")  # a captured value that is a list of catalog texts is translated piece by piece
PREFIX = 4  # templates are looked up by the first characters of their text
MAX_DEPTH = 4
MAX_SPLITS = 32  # the ways of reading a text with a template that are tried
MAX_PIECES = 12  # a list of more pieces is translated piece by piece, without trying runs of them
CACHE_SIZE = 20000
PROSE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:]+[A-Za-z]{2,})+")  # English words in a row: prose, not a value like 1e-05
HANGUL = re.compile(r"[\uac00-\ud7a3]+")  # what is left untranslated when reading Korean back into English

_state = {"language": "en", "translator": None, "reverse": None}


def placeholders(template):
    """Returns (literal texts, placeholder numbers) of a template: "a {0} b" gives (["a ", " b"], [0]).

    Raises ValueError for a malformed template (a lone brace, or a placeholder without a number)."""
    literals, numbers = [""], []
    for literal, field, _, _ in string.Formatter().parse(template):
        literals[-1] += literal
        if field is not None:
            if not field.isdigit():
                raise ValueError(f"placeholders are numbered, {{0}}, {{1}}, ...: {template!r}")
            numbers.append(int(field))
            literals.append("")
    return literals, numbers


class Template:
    """One template entry: a regular expression for its English text, and the translation to fill in."""

    def __init__(self, source, target):
        literals, self.numbers = placeholders(source)
        self.literals = literals
        self.pattern = re.compile("([^\n]*?)".join(re.escape(part) for part in literals))  # values within a line
        self.prefix = literals[0]
        self.weight = (sum(map(len, literals)), -len(self.numbers))  # the most literal text wins
        self.target, target_numbers = placeholders(target)
        if sorted(target_numbers) != sorted(self.numbers):
            raise ValueError(f"the translation of {source!r} has other placeholders: {target!r}")
        self.target_numbers = target_numbers

    def splits(self, text, limit=MAX_SPLITS):
        """Yields the ways the placeholders' values can make up `text` (at most `limit`), the shortest values first:
        "{0} {1}" reads "at most 3" as ("at", "most 3") and as ("at most", "3")."""
        first, *middle, last = self.literals
        body = text[len(first) : len(text) - len(last)]

        def values(position, index):
            if index == len(middle):
                yield (body[position:],)
                return
            found = body.find(middle[index], position)
            while found >= 0:
                for rest in values(found + len(middle[index]), index + 1):
                    yield (body[position:found], *rest)
                found = body.find(middle[index], found + 1)

        for count, split in enumerate(values(0, 0)):
            if count >= limit:
                return
            yield split

    def fill(self, values, translate_value):
        """Returns the translation, each of the placeholders' `values` passed through `translate_value`."""
        values = {n: translate_value(v) for n, v in zip(self.numbers, values)}
        parts = [self.target[0]]
        for number, literal in zip(self.target_numbers, self.target[1:]):
            parts += [values[number], literal]
        return "".join(parts)


class Translator:
    """Translates texts with a table of entries (english, translation, whether it is a template)."""

    def __init__(self, entries, leftover=PROSE):
        self.leftover = leftover  # text of the source language that a reading leaves untranslated
        self.entries = [(source, target, bool(template)) for source, target, template in entries]
        self.exact = {source: target for source, target, template in self.entries if not template}
        self._by_prefix, self._short = {}, {}
        for source, target, template in self.entries:
            if template:
                found = Template(source, target)
                if len(found.prefix) >= PREFIX:
                    self._by_prefix.setdefault(found.prefix[:PREFIX], []).append(found)
                else:
                    self._short.setdefault(found.prefix, []).append(found)
        for table in (self._by_prefix, self._short):
            for candidates in table.values():
                candidates.sort(key=lambda t: t.weight, reverse=True)
        self._cache = {}

    @classmethod
    def load(cls, language, folder=CATALOGS):
        """Returns the Translator of i18n/<language>/runtime.json (no entries when the file is missing)."""
        path = Path(folder) / language / RUNTIME
        entries = json.loads(path.read_text(encoding="utf-8"))["entries"] if path.is_file() else []
        return cls(entries)

    def reverse(self):
        """Returns the Translator the other way: from the translations back to English."""
        return Translator(((target, source, template) for source, target, template in self.entries), HANGUL)

    def translate(self, text):
        """Returns the translation of `text` (see the module's docstring), or `text` itself."""
        if not isinstance(text, str) or not text.strip():
            return text
        if text not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[text] = self._text(text, 0)
        return self._cache[text]

    def _text(self, text, depth):
        found = self._one(text, depth)
        if found is not None or "\n" not in text:
            return text if found is None else found
        return "\n".join(self._text(line, depth) if line.strip() else line for line in text.split("\n"))

    def _one(self, text, depth):
        """Returns the translation of `text` as one entry (exact, else the best template), or None."""
        if text in self.exact:
            return self.exact[text]
        candidates = [
            *self._by_prefix.get(text[:PREFIX], ()),
            *(t for prefix, group in self._short.items() if text.startswith(prefix) for t in group),
        ]
        best, best_rank = None, None
        for template in candidates:
            if not template.pattern.fullmatch(text):
                continue
            values = self._best_split(template, text, depth)
            translated = dict(zip(values, (self._value(v, depth + 1) for v in values)))
            filled = template.fill(values, translated.get)
            # the reading that leaves the least English prose in the whole translation wins (code the template's own
            # text holds counts too: "(df/da, df/db) at {0}" is no better a reading for holding it), then the one
            # translating the most values, then the template with the most literal text ("Hint: {0}" over
            # "Hint: {0}." for a value without ".")
            rank = (-self._english_left(filled), sum(translated[v] != v for v in values), template.weight)
            if best_rank is None or rank > best_rank:
                best, best_rank = filled, rank
        return best

    def _best_split(self, template, text, depth):
        """Returns the placeholders' values that make up `text` with the most of them translatable."""
        best, best_score = None, -1
        for values in template.splits(text):
            score = sum(self._value(v, depth + 1) != v for v in values)
            if score > best_score:
                best, best_score = values, score
            if score == len(values):
                break
        return best

    def _value(self, value, depth):
        """Returns a captured value translated when it is a catalog text (or a list of them), else unchanged."""
        if depth > MAX_DEPTH or not value.strip():
            return value
        found = self._one(value, depth)
        if found is not None:
            return found
        for separator in SEPARATORS:
            if separator in value:
                translated = self._pieces(value.split(separator), separator, depth)
                if translated != value:
                    return translated
        return value

    def _pieces(self, pieces, separator, depth):
        """Returns the pieces of a list joined by `separator`, translated in runs: a run of several pieces is
        translated whole when it is one catalog text ("cause; lesson", where the cause holds "; " itself), a
        single piece as a value. The runs that leave the least English prose win, then the fewest runs."""
        if len(pieces) > MAX_PIECES:
            return separator.join(self._value(piece, depth + 1) for piece in pieces)
        best = [(0, 0, [])] + [None] * len(pieces)  # best[j]: (English left, runs, texts) for pieces[:j]
        for end in range(1, len(pieces) + 1):
            for start in range(end):
                if best[start] is None:
                    continue
                run = separator.join(pieces[start:end])
                text = self._value(run, depth + 1) if end - start == 1 else self._one(run, depth + 1)
                if text is None:
                    continue
                left, runs, texts = best[start]
                found = (left + self._english_left(text), runs + 1, [*texts, text])
                if best[end] is None or found[:2] < best[end][:2]:
                    best[end] = found
        return separator.join(best[-1][2])

    def _english_left(self, text):
        return sum(len(run) for run in self.leftover.findall(text))


class TranslatingStream:
    """A text stream that writes each complete line translated to the stream under it (line-buffered)."""

    def __init__(self, stream, translator):
        self.stream, self.translator, self._pending = stream, translator, ""

    def write(self, text):
        self._pending += text
        if "\n" in self._pending:
            lines, _, self._pending = self._pending.rpartition("\n")
            self.stream.write(self.translator.translate(lines) + "\n")
        return len(text)

    def flush(self):
        if self._pending:
            pending, self._pending = self._pending, ""
            self.stream.write(self.translator.translate(pending))
        self.stream.flush()

    def __getattr__(self, name):  # encoding, isatty, fileno, ... as the stream under it has them
        return getattr(self.stream, name)


def use(language=None):
    """Returns the course language now in use, after setting it for this kernel: "ko", or "en" (no translation).

    Without an argument it takes $COURSE_LANG (or English). A language other than English wraps sys.stdout in a
    TranslatingStream and sets $COURSE_LANG for the processes started from here; "en" undoes both.
    """
    language = (language or os.environ.get(ENV_VAR) or "en").strip()
    stream = sys.stdout
    if isinstance(stream, TranslatingStream):
        stream.flush()
        sys.stdout = stream = stream.stream
    if language == "en":
        os.environ.pop(ENV_VAR, None)
        _state.update(language="en", translator=None, reverse=None)
        return language
    if not (CATALOGS / language / RUNTIME).is_file():
        raise ValueError(f"no translation of the course into {language!r}: i18n/{language}/{RUNTIME} is missing")
    translator = Translator.load(language)
    _state.update(language=language, translator=translator, reverse=translator.reverse())
    os.environ[ENV_VAR] = language
    sys.stdout = TranslatingStream(stream, translator)
    return language


def language():
    """Returns the course language in use in this process: "en" unless use() chose another."""
    return _state["language"]


def translate(text):
    """Returns `text` in the course language in use (unchanged in English, or when no entry matches)."""
    translator = _state["translator"]
    return text if translator is None else translator.translate(text)


def english(text):
    """Returns the English of a text translated into the course language in use (unchanged in English)."""
    reverse = _state["reverse"]
    return text if reverse is None else reverse.translate(text)
