"""The start page's numbers and lists about the labs, in each edition's words.

They are MyST substitutions, replaced before Sphinx extracts messages for translation, so the
Spanish edition cannot take them from a catalogue: one function writes them, from the labs'
own front matter, with the words of each language.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..build import learner_env
from ..build.labsource import Lab


@dataclass(frozen=True)
class LabWords:
    numbers: tuple[str, ...]  # zero to nine, in words
    lab: str  # "Lab 3"
    lesson: str  # "Lesson 4"
    pair: str  # a lesson and its lab: {lesson}, {lab}
    last: str  # before the last of a list
    span: str  # a range of minutes: {low}, {high}


ENGLISH = LabWords(
    numbers=("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    lab="Lab",
    lesson="Lesson",
    pair="{lesson} to {lab}",
    last=" and ",
    span="{low} to {high}",
)
SPANISH = LabWords(
    numbers=("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"),
    lab="Laboratorio",
    lesson="Lección",
    pair="de la {lesson} al {lab}",
    last=" y ",
    span="entre {low} y {high}",
)


def _lab_link(lab: Lab, words: LabWords) -> str:
    number = lab.title.split(":")[0].split()[-1]  # "Lab 3: Safe aggregates" → "3"
    return f"{{doc}}`{words.lab} {number} </labs/{lab.id}>`"


def lab_substitutions(labs: list[Lab], words: LabWords = ENGLISH) -> dict[str, str]:
    """Numbers and lists about the labs that the start page quotes, taken from the labs
    themselves (one source: a lab's front matter), as MyST substitutions."""
    labs = sorted(labs, key=lambda lab: lab.id)
    count = len(labs)
    pairs = []
    # In the order of the lessons (Lab 7 follows Lesson 8, before the capstone of Lesson 9).
    for lab in sorted((lab for lab in labs if lab.lesson), key=lambda lab: lab.lesson):
        number = Path(lab.lesson).name.split("-")[0].lstrip("0") or "0"
        lesson = f"{{doc}}`{words.lesson} {number} </{lab.lesson}>`"
        pairs.append(words.pair.format(lesson=lesson, lab=_lab_link(lab, words)))
    pairs_text = (
        ", ".join(pairs[:-1]) + words.last + pairs[-1] if len(pairs) > 1 else "".join(pairs)
    )
    minutes = sorted({lab.minutes for lab in labs})
    span = (
        f"{minutes[0]}"
        if len(minutes) == 1
        else words.span.format(low=minutes[0], high=minutes[-1])
    )
    return {
        "labs_count": words.numbers[count] if count < len(words.numbers) else str(count),
        "labs_first": _lab_link(labs[0], words) if labs else "",
        "labs_last": _lab_link(labs[-1], words) if labs else "",
        "labs_pairs": pairs_text,
        "labs_minutes": span,
        "learner_download_mb": str(learner_env.DOWNLOAD_MB),
        "learner_installed_mb": str(learner_env.INSTALLED_MB),
    }
