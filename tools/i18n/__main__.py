"""`python course.py translate [--update] [--check] [--no-run] [--lang ko] [NN ...]`: see tools/i18n/__init__.py."""

import sys

from tools.i18n import LANGUAGES, ROOT, catalogs, edition


def update(lang, root=ROOT):
    """Brings every catalog of `lang` in step with the English source; returns the names of those that changed."""
    changed = []
    catalogs.folder(lang, root).mkdir(parents=True, exist_ok=True)
    for name, texts in catalogs.extracted(root).items():
        path = catalogs.path_of(lang, name, root)
        before = path.read_text(encoding="utf-8") if path.is_file() else None
        po = catalogs.update(catalogs.read(lang, name, root), texts, catalogs.memory(lang, root, skip=name))
        po.save(str(path))
        if path.read_text(encoding="utf-8") != before:
            changed.append(name)
    return changed


def check(lang, root=ROOT):
    """Returns every problem of the catalogs (missing, fuzzy, stale) and of the edition's files (out of date)."""
    found = []
    for name, texts in catalogs.extracted(root).items():
        found += [
            f"i18n/{lang}/{name}.po: {line}" for line in catalogs.problems(catalogs.read(lang, name, root), texts)
        ]
    return found + edition.out_of_date(lang, root)


def main(argv):
    langs = [argv[argv.index("--lang") + 1]] if "--lang" in argv else list(LANGUAGES)
    prefixes = [a for a in argv if not a.startswith("-") and a not in langs]
    status = 0
    for lang in langs:
        if "--check" in argv:
            problems = check(lang)
            for line in problems:
                print(line)
            print(f"[translate] {lang}: {len(problems)} problem(s)" + (" (see above)" if problems else "."))
            status |= bool(problems)
            continue
        if "--update" in argv:
            changed = update(lang)
            print(f"[translate] {lang}: catalogs updated: {', '.join(changed) or 'none changed'}")
        written = edition.build(lang, prefixes, run="--no-run" not in argv, say=lambda m: print(f"[translate] {m}"))
        print(f"[translate] {lang}: {len(written)} file(s) written.")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
