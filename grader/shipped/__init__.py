"""Code that leaves the grader: it runs inside a sandbox or a kernel, or ships in a lab's zip.

- ``sandbox_runner``: executes a notebook inside the sandbox and sends the result back (copied in).
- ``answer_io``: exports a learner's answers as data, and loads them in the test kernel; a
  learner's function is called in their own kernel, its arguments and result sent as data.
- ``kernel_watch``: notes changes to IPython's machinery in a learner's kernel.
- ``lab_checks``: the checks a lab's notebook calls; copied next to every lab notebook.
- ``check_my_lab``: the learner's self-check, in every lab's zip; ``grader check`` runs it too.

Each module is copied as a single file and imported on its own, so none of them may import
anything from this project (only the standard library and the packages a lab uses); a test
checks it.
"""
