"""Speaker notes: what the instructor says on a slide, kept in cell metadata, shown in reveal.js's speaker view (S).

A cell's notes are `metadata["notes"]`: Markdown, one string (or a list of lines, as nbformat stores sources).
JupyterLab shows cell metadata only in its property inspector, so the notes never clutter a student's notebook, and
the student versions keep them (their decks get the same notes; notes never hold an exercise's code). A markdown cell
tagged `slides:notes` works too, but a student sees it, so the course keeps notes in metadata.

The deck builders (tools/slides.py for the notebook decks, tools/lecture.py for the lecture) call `gather` once the
slide types are set: the notes of every cell on a slide, and the text of any `slides:notes` cell, become one
`<aside class="notes">` placed right after the cell that starts the slide, where reveal.js's notes plugin reads them
(an aside inside a fragment would be shown only while that fragment is the current one).
"""

import copy

from nbformat.v4 import new_markdown_cell

NOTES_KEY = "notes"
STARTS = ("slide", "subslide")


def notes_of(cell):
    """Returns the cell's speaker notes as one Markdown string ("" when it has none)."""
    notes = cell.get("metadata", {}).get(NOTES_KEY, "")
    if isinstance(notes, list):
        notes = "".join(notes)
    if not isinstance(notes, str):
        raise ValueError(f'metadata["{NOTES_KEY}"] must be Markdown text, not {type(notes).__name__}')
    return notes.strip()


def slide_type(cell):
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")


def slides_of(cells):
    """Returns the cells grouped by slide: a list of lists of indexes, a slide's first index being the cell that
    starts it (the first shown cell starts the first slide, as in nbconvert); `skip` cells belong to no slide and
    `notes` cells to the slide they sit in (before the first slide: the first)."""
    groups, waiting = [], []
    for index, cell in enumerate(cells):
        kind = slide_type(cell)
        if kind == "skip":
            continue
        if kind == "notes":
            (groups[-1] if groups else waiting).append(index)
        elif kind in STARTS or not groups:
            groups.append([index])
            if waiting:
                groups[-1].extend(waiting)
                waiting = []
        else:
            groups[-1].append(index)
    return groups


def gather(cells, extra=None):
    """Returns a copy of `cells` in which each slide's notes (its cells' metadata notes and `slides:notes` cells, in
    order, then `extra[i]` for the slide that starts at index i, if given) are one notes cell right after the cell
    that starts the slide. The notes are taken off the cells' metadata, and `slides:notes` cells out of the flow."""
    extra = extra or {}
    groups = slides_of(cells)
    notes_at = {}
    for group in groups:
        parts = [cells[i].source.strip() if slide_type(cells[i]) == "notes" else notes_of(cells[i]) for i in group]
        parts.append(extra.get(group[0], ""))
        notes_at[group[0]] = "\n\n".join(p for p in parts if p)
    out = []
    for index, cell in enumerate(cells):
        if slide_type(cell) == "notes":
            continue
        cell = copy.deepcopy(cell)
        cell.metadata.pop(NOTES_KEY, None)
        out.append(cell)
        if notes_at.get(index):
            aside = new_markdown_cell(notes_at[index], metadata={"slideshow": {"slide_type": "notes"}})
            aside["id"] = f"{cell.get('id', 'cell')}-notes"[:64]
            out.append(aside)
    return out
