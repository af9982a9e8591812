"""Running a cohort: the course folder, the roster, releasing, collecting, grading, feedback
and reports.

- ``folder``: a cohort's course folder and gradebook (``Cohort``), its lock; ``gradebook_db``
  checks a database URL.
- ``roster``: importing learners. ``release``: a lab's zip for the LMS. ``collect``: hand-ins
  from a folder or an LMS export into ``submitted/``.
- ``autograde``: grading every submission in parallel, a status each. It uses ``plan`` (what a
  lab's source says), ``reading`` (a learner's file matched against it), ``runs`` (the answer
  and test notebooks) and ``verdicts`` (the notebook nbgrader scores).
- ``feedback``: a page per learner, in the language of their hand-in (``feedback_words``:
  its own words; ``feedback_checks``: a failed check's message translated). ``report``: CSVs
  and charts. ``selfcheck``: a learner runs their visible checks.

May import: ``grader.errors``, ``grader.paths``, ``grader.build``, ``grader.sandbox`` and
``grader.shipped``. Never imports the book code; nothing but the command line imports this.
"""

from .folder import Cohort, LabInfo, exclusive, init, open_cohort

__all__ = ["Cohort", "LabInfo", "exclusive", "init", "open_cohort"]
