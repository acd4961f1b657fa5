"""The course in other languages: gettext catalogs in step with the English source, and the editions built from them.

    python course.py translate --update   update i18n/<lang>/*.po from the English source (new texts added empty,
                                          changed ones marked fuzzy with the previous English kept, vanished ones
                                          made obsolete), then build
    python course.py translate            build: i18n/<lang>/runtime.json, solutions/<lang>/ (executed),
                                          notebooks/<lang>/ and README.<lang>.md
    python course.py translate --check    list every entry missing, fuzzy or stale, naming notebook and cell,
                                          and every file of the edition that is out of date; exit 1 if any
    python course.py translate 01         only the notebooks whose names start with 01 (several prefixes allowed)
    python course.py translate --no-run   build without executing (the stored outputs are kept as they were)

The modules: `extract` (what is translated: the texts of the English source, each with where it comes from),
`catalogs` (reading, updating and checking the .po files with polib; compiling runtime.json), `edition` (the
translated notebooks, student versions and README). utils/i18n.py translates at run time.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LANGUAGES = ("ko",)  # the languages the course is translated into (English is the source)
