"""A failed check's message, as the test run wrote it (in English: the grader's test kernel
runs the lab's English ``lab_checks``), put into the learner's language for their feedback.

A ``lab_checks`` message is ``what: problem`` and maybe ``\\nHint: hint``. The lab's own text
(names, problems, hints) comes from the lab's catalogue; the checks' own sentences are matched
against ``lab_checks.MESSAGES``'s English templates and written again in the other language.
Anything not recognised stays as it is: a message is never lost, only left in English.
"""

from __future__ import annotations

import re
from functools import cache

from ..shipped import lab_checks

_HINT = "\nHint: "


@cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    found = []
    for key, texts in lab_checks.MESSAGES.items():
        parts = re.split(r"{(\w+)[^}]*}", texts["en"])
        if len(parts) == 1:
            found.append((key, re.compile(re.escape(parts[0]) + r"\Z", re.DOTALL)))
            continue
        pattern = "".join(
            re.escape(part) if n % 2 == 0 else f"(?P<{part}>.+?)" for n, part in enumerate(parts)
        )
        found.append((key, re.compile(pattern + r"\Z", re.DOTALL)))
    return found


def _types(text: str, language: str) -> str:
    """``a whole number (int) or a text (str)`` in the other language."""
    english = {v["en"]: v.get(language, v["en"]) for v in lab_checks._PLAIN_TYPES.values()}
    words = [english.get(part, part) for part in text.split(" or ")]
    return lab_checks.MESSAGES["or"].get(language, " or ").join(words)


def _sentence(text: str, language: str, table: dict[str, str]) -> str:
    if text in table:
        return table[text]
    for key, pattern in _patterns():
        match = pattern.match(text)
        if not match:
            continue
        values = dict(match.groupdict())
        for name in ("names", "got"):
            if name in values and key == "expected_type":
                values[name] = _types(values[name], language)
        if "detail" in values:
            values["detail"] = _sentence(values["detail"], language, table)
        if "what" in values:
            values["what"] = table.get(values["what"], values["what"])
        if "question" in values:
            values["question"] = table.get(values["question"], values["question"])
        return lab_checks.MESSAGES[key].get(language, text).format(**values)
    return text


def translate(message: str, language: str, table: dict[str, str]) -> str:
    """``message`` in ``language`` as far as it is recognised (unchanged for English)."""
    if language == "en" or not message:
        return message
    head, has_hint, hint = message.partition(_HINT)
    what, colon, problem = head.partition(": ")
    if colon:
        head = f"{_sentence(what, language, table)}: {_sentence(problem, language, table)}"
    else:
        head = _sentence(head, language, table)
    if has_hint:
        hint_text = _sentence(hint, language, table)
        head += "\n" + lab_checks.MESSAGES["hint"].get(language, "Hint: {hint}").format(
            hint=hint_text
        )
    return head
