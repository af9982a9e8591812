"""Data-sharing agreements as code: a published JSON Schema, a validator and release checks.

An agreement is a YAML file that follows ``schema/agreement.schema.json``. The validator
returns plain-language findings and never raises on a bad document::

    from agreements import check_file
    for finding in check_file("agreements/samples/botswana-statistics-mno.yaml"):
        print(finding)

``check_release(release, agreement)`` is the reference check of a proposed publication against
an agreement's publication rules and term (used by the tests and the labs).
"""

from .findings import Finding, has_errors
from .release import RELEASE_KEYS, check_release, load_release
from .validate import (
    SCHEMA_PATH,
    VAGUE_PURPOSES,
    check_agreement,
    check_file,
    cross_checks,
    load_agreement,
    load_schema,
    schema_findings,
)

__all__ = [
    "RELEASE_KEYS",
    "SCHEMA_PATH",
    "VAGUE_PURPOSES",
    "Finding",
    "check_agreement",
    "check_file",
    "check_release",
    "cross_checks",
    "has_errors",
    "load_agreement",
    "load_release",
    "load_schema",
    "schema_findings",
]
