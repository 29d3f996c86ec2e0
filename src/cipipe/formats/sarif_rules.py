"""SARIF ``reportingDescriptor`` objects: what GitHub code scanning shows at the top of an alert.

GitHub shows a rule's ``shortDescription`` as the alert's title, ``fullDescription`` under it and
``help`` (markdown when given) in the "Show more" panel; a rule with only an ``id`` shows the id
and an empty panel. The text is the analyser's own: its message when every finding of the rule
says the same thing (clang-format's "code should be clang-formatted", cppcheck's fixed
messages), else its checker id with one of its messages as the example; ``helpUri`` is the
analyser's page for that check where one exists (clang-tidy's per-check pages, clang's
diagnostics reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cipipe.contracts.precheck import SEVERITY_ORDER, Finding

CLANG_TIDY_DOCS = "https://clang.llvm.org/extra/clang-tidy/checks"
CLANG_DIAGNOSTICS = "https://clang.llvm.org/docs/DiagnosticsReference.html"
CLANG_FORMAT_DOCS = "https://clang.llvm.org/docs/ClangFormat.html"
CPPCHECK_MANUAL = "https://cppcheck.sourceforge.io/manual.pdf"
# The only clang-tidy group whose name holds a '-' (every other check is GROUP-NAME).
CLANG_ANALYZER = "clang-analyzer-"
CLANG_DIAGNOSTIC = "clang-diagnostic-"


def clang_tidy_help_uri(rule: str) -> str | None:
    """The page of a clang-tidy check (``checks/GROUP/NAME.html`` since clang-tidy 15), or of a
    compiler warning it reports (``clang-diagnostic-unused-variable`` -> ``#wunused-variable``);
    None for a compiler error, which has no flag (``clang-diagnostic-error``, or
    ``clang-diagnostic`` as cipipe names a diagnostic without a check name)."""
    if rule in (CLANG_DIAGNOSTIC.rstrip("-"), f"{CLANG_DIAGNOSTIC}error"):
        return None
    if rule.startswith(CLANG_DIAGNOSTIC):
        return f"{CLANG_DIAGNOSTICS}#w{rule.removeprefix(CLANG_DIAGNOSTIC).lower()}"
    if rule.startswith(CLANG_ANALYZER):
        return f"{CLANG_TIDY_DOCS}/clang-analyzer/{rule.removeprefix(CLANG_ANALYZER)}.html"
    group, sep, name = rule.partition("-")
    return f"{CLANG_TIDY_DOCS}/{group}/{name}.html" if sep and name else None


def _how_to_act(check: str, rule: str) -> tuple[str, str]:
    """(text, markdown) saying how to fix or silence one finding of ``rule``."""
    if check == "clang-format":
        text = (
            "Reformat the file with the repository's .clang-format: clang-format -i FILE "
            "(or git clang-format BASE for only the lines a change touches)."
        )
        markdown = (
            "Reformat the file with the repository's `.clang-format`: `clang-format -i FILE` "
            "(or `git clang-format BASE` for only the lines a change touches)."
        )
        return text, markdown
    if check == "cppcheck":
        text = (
            f"Fix the code, or silence this one finding with a comment "
            f"'// cppcheck-suppress {rule}' on the line before it (cipipe runs cppcheck with "
            "--inline-suppr). cppcheck --errorlist describes every checker id."
        )
        markdown = (
            f"Fix the code, or silence this one finding with `// cppcheck-suppress {rule}` on "
            "the line before it (cipipe runs cppcheck with `--inline-suppr`). "
            "`cppcheck --errorlist` describes every checker id."
        )
        return text, markdown
    if check == "clang-tidy":
        text = (
            f"Fix the code, or silence this one finding with '// NOLINT({rule})' at the end of "
            "its line; the check list is the repository's .clang-tidy."
        )
        markdown = (
            f"Fix the code, or silence this one finding with `// NOLINT({rule})` at the end of "
            "its line; the check list is the repository's `.clang-tidy`."
        )
        return text, markdown
    text = "Fix the file, or the requirement in the precheck section of .cipipe.yaml."
    return text, text.replace(".cipipe.yaml", "`.cipipe.yaml`")


def rule_descriptor(
    check: str, tool: str, rule: str, findings: Sequence[Finding]
) -> dict[str, Any]:
    """The ``reportingDescriptor`` of ``rule`` from the ``findings`` that carry it (one or more)."""
    messages = sorted({f.message for f in findings if f.message})
    example = messages[0] if messages else rule
    severity = max((f.severity for f in findings), key=SEVERITY_ORDER.__getitem__)
    tool_severities = ", ".join(sorted({f.tool_severity for f in findings}))
    short = messages[0] if len(messages) == 1 else f"{tool}: {rule}"
    full = f"{tool} reports {rule} ({tool_severities}); for example: {example}"
    act_text, act_markdown = _how_to_act(check, rule)
    help_uri = _help_uri(check, rule)
    more = f" Documentation: {help_uri}" if help_uri else ""
    descriptor: dict[str, Any] = {
        "id": rule,
        "name": rule,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{full}\n\n{act_text}{more}",
            "markdown": (
                f"**{tool}** reports `{rule}` ({tool_severities}).\n\n"
                f"For example: {_markdown_quote(example)}\n\n{act_markdown}"
                + (f"\n\n[{tool}: {rule}]({help_uri})" if help_uri else "")
            ),
        },
        "defaultConfiguration": {"level": severity},
    }
    if help_uri:
        descriptor["helpUri"] = help_uri
    return descriptor


def _help_uri(check: str, rule: str) -> str | None:
    if check == "clang-tidy":
        return clang_tidy_help_uri(rule)
    if check == "clang-format":
        return CLANG_FORMAT_DOCS
    if check == "cppcheck":
        return CPPCHECK_MANUAL
    return None


def _markdown_quote(text: str) -> str:
    """``text`` as inline code, whatever backticks it holds (CommonMark code spans)."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
