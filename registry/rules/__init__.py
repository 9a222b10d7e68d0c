"""Security screening rules: the lists and rules of seed/screening/, applied to a project record.

`load_ruleset` reads the rules, the vendors of concern (plus entries admins add), the countries
of concern and the legal-form words; `screen` returns the flags a record raises, each explained:
which field and value triggered it, the list it came from, and the ruleset version.

- `names`: company-name normalisation and whole-word matching against the vendors list, and
  whole-word matching of a rule's terms in free text.
- `ruleset`: the dataclasses, the `@check` registry and `load_ruleset`; `flag_legend` (what
  each flag means and what a reviewer checks, seed/screening/legend.toml) and
  `information_flags` (the flags lists show only when asked for).
- `checks`: one function per rule code, and `screen`. Each flag says why as English text
  (`rationale`) and as data (`reason`), which the pages put in words in their language.

A new rule is one `[[rules]]` entry in seed/screening/rules.toml and one function decorated with
`@check("CODE")` in checks.py; loading refuses a rule that has one without the other.
Pure functions: no database, no HTTP, no Flask.
"""

from registry.rules.checks import screen
from registry.rules.ruleset import (
    REVIEWABLE,
    SEVERITY_RANK,
    ExtraVendor,
    Flag,
    Rule,
    Ruleset,
    RulesetError,
    flag_legend,
    information_flags,
    load_ruleset,
    needs_review,
)

__all__ = [
    "REVIEWABLE",
    "SEVERITY_RANK",
    "ExtraVendor",
    "Flag",
    "Rule",
    "Ruleset",
    "RulesetError",
    "flag_legend",
    "information_flags",
    "load_ruleset",
    "needs_review",
    "screen",
]
