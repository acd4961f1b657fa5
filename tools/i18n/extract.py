"""What is translated: every text of the English source, keyed by its English, with where it comes from.

One catalog per notebook (`NN_name`), plus `utils`, `readme`, `slides` and `lecture`:

- a notebook's catalog holds every markdown cell of solutions/NN_name.ipynb (the whole cell), each exercise's and
  the challenge's task text (from `### BEGIN SOLUTION Exercise N: <task>`: the Korean stubs use it), the prose
  its code prints: strings and f-strings in calls of print, checks.*, challenge.* and quiz.* (claims, goals, the
  concept questions' explanations, the challenge's unit), and the instructor kit's texts in cell metadata (issue 18):
  every cell's speaker notes (`metadata["notes"]`, Markdown, whole) and every lecture section's name
  (`metadata["lecture"]["section"]`), each after its cell's markdown;
- `utils` holds the messages of utils/*.py (every string or f-string that reads as prose, docstrings, regular
  expressions, comparisons and keys left out; errors.LESSONS's lessons, not their patterns) and the stubs' fixed
  texts (tools/student_version.py's stub());
- `readme` holds the parts of README.md that README.<lang>.md translates, `slides` the slide index's texts, and
  `lecture` the fixed texts of the lecture deck and the lab sheet (tools/lecture.py's and tools/lab_sheet.py's TEXTS:
  titles, the plan and lab slides, their notes, the sheet's headings and sentences), added by EXTRA_SOURCES.

Code is turned into templates: an f-string's values become numbered placeholders, "numpy: loss {0} at iteration 0"
(adjacent values make one placeholder; strings joined with + make one text; `a if c else b` between strings makes
one text per branch). A text of several lines gives one entry per line, as utils/i18n.py translates printed lines.
Texts that are only code, numbers or placeholders are skipped.

Extension point: EXTRA_SOURCES lists functions of the repository's root that return {catalog name: [Text, ...]}
(each Text with its `where` and `notes`); instructor_texts, the `lecture` catalog, is one.
"""

import ast
import itertools
import re
from dataclasses import dataclass, field

import nbformat

from tools import speaker_notes, student_version

PROSE = re.compile(r"[A-Za-z][A-Za-z']{2,}:? [A-Za-z(]|[A-Za-z] [A-Za-z][A-Za-z']{2,}|[A-Za-z]{3,}: +\{0\}")
WORD = re.compile(r"(?<![\w.])[A-Za-z]{2,}(?![\w(])")  # a word, not part of an identifier, a call or an attribute
CODE = re.compile(r"[\w}\]]\(|=")  # a call or an assignment
NOTEBOOK_CALLS = ("print", "checks.", "challenge.", "quiz.")
SKIPPED_METHODS = {
    "compile", "search", "match", "fullmatch", "sub", "split", "findall", "finditer", "startswith", "endswith",
    "replace", "strip", "lstrip", "rstrip", "get", "pop", "setdefault", "getattr", "hasattr", "setattr", "encode",
    "decode", "getenv", "index", "count", "partition", "rpartition", "removeprefix", "removesuffix",
}  # fmt: skip
SKIPPED_KEYWORDS = {"title", "xlabel", "ylabel", "label", "legend", "env", "win", "opts", "name_filter", "mode"}
README_SECTIONS = ("", "## The two commands", "## The course")  # "" is the title and the introduction


@dataclass
class Text:
    """One entry: the English `msgid`, whether it is a template, and where it comes from."""

    msgid: str
    template: bool = False
    kind: str = "message"
    where: list = field(default_factory=list)  # [(path, location)]: location is a cell id or a line number
    notes: list = field(default_factory=list)  # for the translator: "markdown, cell 6 (id c05)"


def is_prose(text, template=True):
    """Returns True when `text` reads as words (two in a row, two apart, or a label "Word: {0}", aligned with more
    spaces or not), not only code or numbers.

    A plain string that is valid Python ("raise NotImplementedError") is code."""
    plain = re.sub(r"\{\d+\}", "{0}", text)
    if not PROSE.search(plain) and (len(WORD.findall(plain)) < 2 or CODE.search(plain)):
        return False
    try:
        ast.parse(text)
    except SyntaxError:
        return True
    return template


# ---- code: strings and f-strings as templates


def _options(node):
    """Returns the ways the string expression `node` can read: lists of ("text", str) and ("value", None) parts."""
    if is_print(node):
        options = [[]]
        for i, arg in enumerate(node.args):
            options = [a + ([("text", " ")] if i else []) + b for a in options for b in _options(arg)][:8]
        return options
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [[("text", node.value)]]
    if isinstance(node, ast.JoinedStr):
        return [[("text", v.value) if isinstance(v, ast.Constant) else ("value", None) for v in node.values]]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and is_string(node):
        return [a + b for a, b in itertools.islice(itertools.product(_options(node.left), _options(node.right)), 8)]
    if isinstance(node, ast.IfExp) and is_string(node.body) and is_string(node.orelse):
        return _options(node.body) + _options(node.orelse)
    return [[("value", None)]]


def is_print(node):
    """Returns True when `node` is print(...) of several values, one of them a string: they print as one line."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
        and not node.keywords
        and len(node.args) > 1
        and any(is_string(a) for a in node.args)
    )


def is_string(node):
    """Returns True when `node` is a string, an f-string, or strings joined with + (with other values between)."""
    if is_print(node):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return is_string(node.left) or is_string(node.right)
    return False


def _lines(parts):
    """Returns [(line text, is template)] for one reading: values numbered from 0 on each line, adjacent values
    merged into one placeholder, literal braces escaped in templates."""
    lines, current = [], []
    for kind, text in parts:
        if kind == "value":
            current.append(("value", None))
            continue
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i:
                lines.append(current)
                current = []
            current.append(("text", piece))
    lines.append(current)
    found = []
    for line in lines:
        out, number, previous = [], 0, None
        template = any(kind == "value" for kind, _ in line)
        for kind, text in line:
            if kind == "value":
                if previous != "value":
                    out.append(f"{{{number}}}")
                    number += 1
            elif text:
                out.append(text.replace("{", "{{").replace("}", "}}") if template else text)
            previous = kind if kind == "value" or text else previous
        found.append(("".join(out), template))
    return found


def templates(node, keep=is_prose):
    """Returns [(text, is template)] for the string expression `node`: one per line of each way it reads that
    `keep(text, is template)` accepts (prose, by default)."""
    found = []
    for parts in _options(node):
        for text, template in _lines(parts):
            if text.strip() and keep(text, template) and (text, template) not in found:
                found.append((text, template))
    return found


def _docstrings(tree):
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _skipped_children(node):
    """Returns the children of `node` whose strings are never messages: compared, indexed, patterns, keys, plots."""
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    if isinstance(node, ast.Subscript):
        return [node.slice]
    if isinstance(node, ast.Call):
        func = node.func
        method = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if method in SKIPPED_METHODS or method == "dict":
            receiver = [func.value] if isinstance(func, ast.Attribute) else []
            return [*receiver, *node.args, *(k.value for k in node.keywords)]
        return [k.value for k in node.keywords if k.arg in SKIPPED_KEYWORDS]
    if isinstance(node, ast.Dict):
        return [
            v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value in SKIPPED_KEYWORDS
        ]
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LESSONS" for t in node.targets):
        rows = node.value.elts if isinstance(node.value, ast.List) else []
        return [e for row in rows if isinstance(row, ast.Tuple) for e in row.elts[:2]]  # kinds and patterns
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
        return [node.value]
    return []


def _values(node):
    """Returns the expressions inside a string expression that are not strings themselves (an f-string's values)."""
    if is_print(node):
        return [v for a in node.args for v in _values(a)]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and is_string(node):
        return _values(node.left) + _values(node.right)
    if isinstance(node, ast.IfExp) and is_string(node.body) and is_string(node.orelse):
        return [node.test, *_values(node.body), *_values(node.orelse)]
    return [] if isinstance(node, ast.Constant) else [node]


def code_texts(tree, keep=is_prose):
    """Yields (text, is template, line number) for every prose string expression under `tree`, docstrings and the
    children named by _skipped_children left out; strings inside an f-string's values are visited on their own."""
    skip = _docstrings(tree)

    def visit(node):
        if id(node) in skip:
            return
        if is_string(node):
            for text, template in templates(node, keep):
                yield text, template, node.lineno
            for child in _values(node):
                yield from visit(child)
            return
        skip.update(id(child) for child in _skipped_children(node))
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(tree)


def _add(catalog, msgid, template, kind, where, note=None):
    text = catalog.setdefault(msgid, Text(msgid, template, kind))
    text.template = text.template or template
    if where not in text.where:
        text.where.append(where)
    if note and note not in text.notes:
        text.notes.append(note)


def module_texts(root):
    """Returns {msgid: Text} for the messages of utils/*.py and the stubs' fixed texts."""
    catalog = {}
    paths = [p for p in sorted((root / "utils").glob("*.py")) if p.name != "i18n.py"]  # i18n's are for authors
    for path in paths:
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for text, template, line in code_texts(tree):
            _add(catalog, text, template, "message", (rel, str(line)))
    source = (root / "tools" / "student_version.py").read_text(encoding="utf-8")
    stub = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "stub")
    for text, template, line in code_texts(stub, keep=_stub_text):
        _add(catalog, text, template, "stub", ("tools/student_version.py", str(line)))
    return catalog


def _stub_text(text, template):
    """Returns True for the stubs' fixed texts: words ("Exercise {0}: {1}."), not code ("raise NotImplementedError")."""
    if not re.search(r"[A-Za-z]{3,}", text) or CODE.search(text):
        return False
    try:
        ast.parse(text)
    except SyntaxError:
        return True
    return False


def _notebook_calls(tree):
    """Yields the calls of a code cell whose strings reach the output: print, checks.*, challenge.*, quiz.*."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name == "print" or name.startswith(NOTEBOOK_CALLS[1:]):
                yield node


def notebook_texts(path, root):
    """Returns {msgid: Text} for the notebook at `path`: markdown cells, task texts, and the prose its code prints."""
    nb = nbformat.read(path, as_version=4)
    rel = path.relative_to(root).as_posix()
    catalog = {}
    for index, cell in enumerate(nb.cells):
        where = (rel, cell.get("id", str(index)))
        note = f"cell {index} (id {cell.get('id', '?')})"
        if cell.cell_type == "markdown" and cell.source.strip():
            _add(catalog, cell.source, False, "markdown", where, f"markdown, {note}")
        section = cell.metadata.get("lecture")
        if isinstance(section, dict) and isinstance(section.get("section"), str) and section["section"].strip():
            _add(catalog, section["section"].strip(), False, "section", where, f"lecture section name, {note}")
        notes = speaker_notes.notes_of(cell)
        if notes:
            _add(catalog, notes, False, "notes", where, f"speaker notes, {note}")
        if cell.cell_type != "code":
            continue
        for part in student_version.split_regions(cell.source, rel):
            if isinstance(part, dict) and part["task"]:
                label = f"Exercise {part['number']}" if part["kind"] == "Exercise" else part["kind"]
                _add(catalog, part["task"].rstrip("."), False, "task", where, f"task ({label}), {note}")
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for call in _notebook_calls(tree):
            for node in [call] if is_print(call) else [*call.args, *(k.value for k in call.keywords)]:
                for text, template, _ in code_texts(node):
                    _add(catalog, text, template, "printed", where, f"printed, {note}")
            unit = next((k.value for k in call.keywords if k.arg == "unit"), None)
            if isinstance(unit, ast.Constant) and isinstance(unit.value, str) and unit.value.strip():
                _add(catalog, unit.value, False, "printed", where, f"printed (the challenge's unit), {note}")
    return catalog


def readme_blocks(text):
    """Returns the blocks README.<lang>.md translates: paragraphs, lists, code blocks, the table's header and stages."""
    blocks = []
    for heading, body in readme_sections(text).items():
        if heading:
            blocks.append(heading)
        for block in markdown_blocks(body):
            if block.startswith("|"):
                rows = block.splitlines()
                blocks.append(rows[0])  # the header row
                blocks += [row.strip().strip("|").split("|")[1].strip() for row in rows[2:]]  # each lecture stage
            else:
                blocks.append(block)
    return blocks


def readme_sections(text):
    """Returns {heading: body} for README_SECTIONS ("" is the title line and the introduction)."""
    sections, current = {}, ""
    for line in text.splitlines():
        if line.startswith("## "):
            current = line
        if current in README_SECTIONS and not (line == current and current):
            sections.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip("\n") for k, v in sections.items()}


def markdown_blocks(body):
    """Returns the blocks of a markdown text: parts between blank lines, a fenced code block kept whole."""
    blocks, current, fenced = [], [], False
    for line in body.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if current:
                blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def all_texts(root, fixed=None):
    """Returns {catalog name: {msgid: Text}} for the whole English source under `root`.

    `fixed` maps catalog names to texts that the edition's builder adds itself ({"readme": [...], "slides": [...]}).
    """
    catalogs = {}
    for path in sorted((root / "solutions").glob("*.ipynb")):
        catalogs[path.stem] = notebook_texts(path, root)
    catalogs["utils"] = module_texts(root)
    readme = {}
    for block in readme_blocks((root / "README.md").read_text(encoding="utf-8")):
        _add(readme, block, False, "readme", ("README.md", "0"))
    catalogs["readme"] = readme
    catalogs["slides"] = {}
    for name, texts in (fixed or {}).items():
        for text in texts:
            _add(catalogs.setdefault(name, {}), text, "{0}" in text, name, (f"tools/i18n ({name})", "0"))
    for extra in EXTRA_SOURCES:
        for name, texts in extra(root).items():
            for text in texts:
                for i, where in enumerate(text.where):
                    note = text.notes[min(i, len(text.notes) - 1)] if text.notes else None
                    _add(catalogs.setdefault(name, {}), text.msgid, text.template, text.kind, where, note)
    return catalogs


def instructor_texts(root):
    """Returns {"lecture": [Text, ...]}: the fixed texts of the lecture deck (tools/lecture.py) and of the lab sheet
    (tools/lab_sheet.py), each noted with where it shows. (`root` is unused: these texts are the tools' own.)"""
    from tools import lab_sheet, lecture

    texts = {}
    for module, kind in ((lecture, "lecture deck"), (lab_sheet, "lab sheet")):
        path = f"tools/{module.__name__.rsplit('.', 1)[-1]}.py"
        for name, english in module.TEXTS.items():
            template = bool(re.search(r"\{\d+\}", english))
            text = texts.setdefault(english, Text(english, template, "lecture"))
            text.where.append((path, name))
            text.notes.append(f"{kind}, {module.NOTES[name]}")
    return {"lecture": list(texts.values())}


EXTRA_SOURCES = [instructor_texts]  # functions root -> {catalog: [Text, ...]} (see the docstring)
