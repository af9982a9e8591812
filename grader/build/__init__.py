"""Compiling labs into an nbgrader course, checking them and packing them.

- ``labsource``: reads a lab's MyST source (roles, grade ids, delimiters) into a notebook.
- ``course``: the nbgrader course folder and the student and solution versions.
- ``gates``: the solution passes, the student version scores 0, nothing leaks.
- ``mistakes``: plausible wrong answers that must lose points.
- ``fixtures``: blank and perfect demo students.
- ``bundle``: the deterministic zip a learner gets.
- ``lab_i18n``: a lab's text as a gettext catalogue per language (``labs/<id>/locales``), and
  its notebook with the markdown translated; ``translated``: that student version, gated and
  zipped (``zips/<language>/<id>.zip``).
- ``learner_env``: the learner's requirements (the course's pins of a few packages) and the
  install steps the zips and the book give.
- ``environment``: this Python for nbgrader and Jupyter kernels.
- ``stamp``: the record of a complete build and its sources' fingerprint, so the tests reuse
  the main job's build of the same checkout rather than repeat it.

May import: ``grader.errors``, ``grader.paths`` and ``grader.shipped``. Never imports the
cohort, sandbox or book code.
"""
