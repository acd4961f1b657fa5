"""The gettext catalogs i18n/<lang>/<name>.po: updated from the English source, checked, compiled for run time.

Updating works as msgmerge does: a text new in the English source is added with an empty translation (or the
translation of the same text in another catalog of the language, a translation memory); a text that changed gets
the translation of the most similar vanished text, marked fuzzy, with that previous English kept (`#| msgid`); a text
gone from the source is kept as obsolete (`#~`). Each entry says where it comes from: `#: path:cell id` and an
extracted comment naming the kind and the cell ("markdown, cell 6 (id c05)").

`problems()` lists what keeps a catalog from matching the source: a translation missing or fuzzy, a text of the
source that the catalog lacks (the English changed since the last update), an entry whose text is gone, and a
translation whose placeholders differ from its English. `compile_runtime()` writes i18n/<lang>/runtime.json: the
translated, non-fuzzy entries that utils/i18n.py needs in a kernel (messages, printed prose, task texts).
"""

import ast
import difflib
import json

import polib

from tools.i18n import ROOT, extract
from utils import i18n

WRAP = 120
FUZZY_SIMILARITY = 0.6  # a changed text inherits the translation of a vanished one at least this similar
RUNTIME_KINDS = ("printed", "task", "message", "stub")
HEADER = {
    "Project-Id-Version": "pytorch-course",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def folder(lang, root=ROOT):
    return root / "i18n" / lang


def path_of(lang, name, root=ROOT):
    return folder(lang, root) / f"{name}.po"


def read(lang, name, root=ROOT):
    """Returns the catalog `name` of `lang` (an empty one when it does not exist yet)."""
    path = path_of(lang, name, root)
    if path.is_file():
        return polib.pofile(str(path), wrapwidth=WRAP)
    po = polib.POFile(wrapwidth=WRAP)
    po.metadata = dict(HEADER, Language=lang)
    return po


def usable(entry):
    """Returns True when the entry's translation can be used: present, not fuzzy, not obsolete."""
    return bool(entry.msgstr) and not entry.fuzzy and not entry.obsolete


def _entry(text):
    entry = polib.POEntry(msgid=text.msgid, msgstr="")
    _describe_into(entry, text)
    return entry


def _describe_into(entry, text):
    entry.occurrences = list(text.where)
    entry.comment = "\n".join(text.notes or [text.kind])
    flags = [f for f in entry.flags if f != "python-brace-format"]
    entry.flags = flags + (["python-brace-format"] if text.template else [])


def memory(lang, root=ROOT, skip=None):
    """Returns {English: translation} over the usable entries of every catalog of `lang` but `skip`."""
    found = {}
    for path in sorted(folder(lang, root).glob("*.po")):
        if path.stem != skip:
            for entry in polib.pofile(str(path)):
                if usable(entry):
                    found.setdefault(entry.msgid, entry.msgstr)
    return found


def update(po, texts, remembered=None):
    """Returns `po` brought in step with `texts` ({msgid: extract.Text}), msgmerge-style (see the docstring)."""
    remembered = remembered or {}
    old = {e.msgid: e for e in po}
    vanished = [e for e in po if e.msgid not in texts and e.msgstr]
    entries = []
    for msgid, text in texts.items():
        entry = old.get(msgid)
        if entry is None:
            entry = _entry(text)
            similar = _most_similar(msgid, vanished)
            if similar is not None:
                entry.msgstr, entry.previous_msgid = similar.msgstr, similar.msgid
                entry.flags.append("fuzzy")
                vanished.remove(similar)
            elif msgid in remembered:
                entry.msgstr = remembered[msgid]
        entry.obsolete = False
        _describe_into(entry, text)
        entries.append(entry)
    for entry in po:
        if entry.msgid not in texts and entry.msgstr:
            entry.obsolete, entry.occurrences = True, []
            entries.append(entry)
    po[:] = entries
    return po


def _most_similar(msgid, candidates):
    best, best_ratio = None, FUZZY_SIMILARITY
    for entry in candidates:
        matcher = difflib.SequenceMatcher(None, msgid, entry.msgid, autojunk=False)
        if matcher.real_quick_ratio() >= best_ratio and matcher.quick_ratio() >= best_ratio:
            ratio = matcher.ratio()
            if ratio >= best_ratio:
                best, best_ratio = entry, ratio
    return best


def where(entry):
    """Returns where an entry comes from, for a message: "solutions/01_raw_tensors.ipynb, cell 6 (id c05), markdown"."""
    places = []
    notes = (entry.comment or "").splitlines()
    for i, (path, location) in enumerate(entry.occurrences or [("?", "")]):
        path, _, cell_id = path.partition(":")  # polib reads "file:c05" whole (its line numbers are digits)
        location = location or cell_id
        note = notes[i] if i < len(notes) else (notes[0] if notes else "")
        kind, _, cell = note.partition(", ")
        places.append(f"{path}, {cell}, {kind}" if cell else f"{path}:{location}")
    return "; ".join(places)


def problems(po, texts, in_scope=None):
    """Returns one line per problem of catalog `po` against the source `texts` ({msgid: Text}); `in_scope(Text)`
    limits the lines to some texts (a notebook's share of utils)."""
    found = []
    entries = {e.msgid: e for e in po if not e.obsolete}
    for msgid, text in texts.items():
        if in_scope is not None and not in_scope(text):
            continue
        entry = entries.get(msgid)
        short = _short(msgid)
        if entry is None:
            place = where(_entry(text))
            found.append(f"{place}: stale, not in the catalog (the English is new or changed): {short}")
        elif entry.fuzzy:
            before = f" (translated from: {_short(entry.previous_msgid)})" if entry.previous_msgid else ""
            found.append(f"{where(entry)}: fuzzy, the English changed after it was translated{before}: {short}")
        elif not entry.msgstr:
            found.append(f"{where(entry)}: missing translation: {short}")
        elif text.template and not _same_placeholders(msgid, entry.msgstr):
            found.append(f"{where(entry)}: the translation's placeholders differ from the English: {short}")
    if in_scope is None:
        for msgid, entry in entries.items():
            if msgid not in texts:
                found.append(f"{where(entry)}: its English is gone from the source (run the update): {_short(msgid)}")
    return found


def _short(text, width=100):
    text = " ".join((text or "").split())
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def _same_placeholders(source, target):
    try:
        return sorted(i18n.placeholders(source)[1]) == sorted(i18n.placeholders(target)[1])
    except ValueError:
        return False


def runtime_entries(lang, root=ROOT):
    """Returns the sorted [English, translation, is template] entries a kernel needs (see the docstring)."""
    found = {}
    for path in sorted(folder(lang, root).glob("*.po")):
        for entry in polib.pofile(str(path)):
            kinds = {note.split(",")[0].split(" (")[0] for note in (entry.comment or "").splitlines()}
            if usable(entry) and kinds & set(RUNTIME_KINDS):
                template = "python-brace-format" in entry.flags
                if not template or _same_placeholders(entry.msgid, entry.msgstr):
                    found.setdefault(entry.msgid, [entry.msgid, entry.msgstr, template])
    return [found[k] for k in sorted(found)]


def runtime_text(lang, root=ROOT):
    """Returns the text of i18n/<lang>/runtime.json as compile_runtime writes it."""
    data = {"language": lang, "generated_by": "python3 course.py translate", "entries": runtime_entries(lang, root)}
    return json.dumps(data, ensure_ascii=False, indent=0) + "\n"


def compile_runtime(lang, root=ROOT):
    """Writes i18n/<lang>/runtime.json; returns True when it changed."""
    path = folder(lang, root) / i18n.RUNTIME
    text = runtime_text(lang, root)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def translator(lang, root=ROOT):
    """Returns a utils.i18n.Translator over every usable entry of every catalog of `lang` (for builds)."""
    entries = {}
    for path in sorted(folder(lang, root).glob("*.po")):
        for entry in polib.pofile(str(path)):
            template = "python-brace-format" in entry.flags
            if usable(entry) and (not template or _same_placeholders(entry.msgid, entry.msgstr)):
                entries.setdefault(entry.msgid, (entry.msgid, entry.msgstr, template))
    return i18n.Translator(entries.values())


def utils_imports(root=ROOT):
    """Returns {utils module file: the utils module files it imports}, e.g. "utils/checks.py": {"utils/errors.py"}."""
    found = {}
    for path in sorted((root / "utils").glob("*.py")):
        found[path.relative_to(root).as_posix()] = _utils_modules(path.read_text(encoding="utf-8"))
    return found


def _utils_modules(source):
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "utils":
            names.update(f"utils/{a.name}.py" for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("utils."):
            names.add(node.module.replace(".", "/") + ".py")
        elif isinstance(node, ast.Import):
            names.update(a.name.replace(".", "/") + ".py" for a in node.names if a.name.startswith("utils."))
    return names


def notebook_scope(path, root=ROOT):
    """Returns the files whose messages notebook `path` can print: the utils modules its code imports (and theirs),
    and the stubs' fixed texts."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code" and not c.source.lstrip().startswith("%"))
    try:
        todo = _utils_modules(code)
    except SyntaxError:
        todo = set()
    graph, scope = utils_imports(root), {"tools/student_version.py"}
    while todo:
        module = todo.pop()
        if module not in scope:
            scope.add(module)
            todo |= graph.get(module, set())
    return scope - {"utils/i18n.py"}


def extracted(root=ROOT):
    """Returns extract.all_texts for `root`, with the texts the edition's builder adds itself."""
    from tools.i18n import edition

    return extract.all_texts(root, fixed=edition.FIXED_TEXTS)
