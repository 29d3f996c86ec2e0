"""The clang major version that introduced each top-level key of ``.clang-format`` and
``.clang-tidy`` since version 13, so an installed tool that calls a key unknown can be told
which version the repository's style file needs.

clang-format: the ``\\version`` of each option in clang/include/clang/Format/Format.h (and
IncludeStyle.h for MainIncludeChar), the version badges of ClangFormatStyleOptions.rst.
clang-tidy: the release notes that announced each configuration file key. A key missing here
(a nested key, a newer or misspelt one) gives "a newer clang-format"; the tool names only the
first unknown key it meets, so the version is the least the file needs.
"""

from __future__ import annotations

from collections.abc import Mapping

_CLANG_FORMAT_BY_VERSION: Mapping[int, tuple[str, ...]] = {
    13: (
        "AlignArrayOfStructures",
        "EmptyLineAfterAccessModifier",
        "IfMacros",
        "IndentAccessModifiers",
        "LambdaBodyIndentation",
        "PPIndentWidth",
        "ReferenceAlignment",
        "ShortNamespaceLines",
        "SpacesInLineCommentPrefix",
    ),
    14: (
        "PackConstructorInitializers",
        "PenaltyBreakOpenParenthesis",
        "QualifierAlignment",
        "QualifierOrder",
        "RemoveBracesLLVM",
        "SeparateDefinitionBlocks",
        "SpaceBeforeParensOptions",
    ),
    15: ("IndentRequiresClause", "InsertBraces", "RequiresClausePosition"),
    16: (
        "BreakAfterAttributes",
        "BreakArrays",
        "BreakBeforeInlineASMColon",
        "InsertNewlineAtEOF",
        "IntegerLiteralSeparator",
        "LineEnding",
        "RemoveSemicolon",
        "RequiresExpressionIndentation",
    ),
    17: (
        "AlignConsecutiveShortCaseStatements",
        "BracedInitializerIndentWidth",
        "KeepEmptyLinesAtEOF",
        "Macros",
        "RemoveParentheses",
        "SpaceBeforeJsonColon",
        "SpacesInParens",
        "SpacesInParensOptions",
        "TypeNames",
        "VerilogBreakBetweenInstancePorts",
    ),
    18: (
        "AllowBreakBeforeNoexceptSpecifier",
        "AllowShortCompoundRequirementOnASingleLine",
        "BreakAdjacentStringLiterals",
        "ObjCPropertyAttributeOrder",
        "PenaltyBreakScopeResolution",
        "SkipMacroDefinitionBody",
    ),
    19: (
        "AlignConsecutiveTableGenBreakingDAGArgColons",
        "AlignConsecutiveTableGenCondOperatorColons",
        "AlignConsecutiveTableGenDefinitionColons",
        "AllowShortCaseExpressionOnASingleLine",
        "BreakAfterReturnType",
        "BreakFunctionDefinitionParameters",
        "BreakTemplateDeclarations",
        "KeepEmptyLines",
        "MainIncludeChar",
        "TableGenBreakInsideDAGArg",
        "TableGenBreakingDAGArgOperators",
    ),
    20: (
        "AllowShortNamespacesOnASingleLine",
        "BreakBinaryOperations",
        "IndentExportBlock",
        "KeepFormFeed",
        "PenaltyBreakBeforeMemberAccess",
        "RemoveEmptyLinesInUnwrappedLines",
        "TemplateNames",
        "VariableTemplates",
        "WrapNamespaceBodyWithEmptyLines",
    ),
    21: (
        "BinPackLongBracedList",
        "BreakBeforeTemplateCloser",
        "EnumTrailingComma",
        "MacrosSkippedByRemoveParentheses",
        "OneLineFormatOffRegex",
        "SpaceAfterOperatorKeyword",
    ),
}

_CLANG_TIDY_BY_VERSION: Mapping[int, tuple[str, ...]] = {
    17: ("HeaderFileExtensions", "ImplementationFileExtensions", "SystemHeaders"),
    19: ("ExcludeHeaderFilterRegex",),
}


def _by_key(table: Mapping[int, tuple[str, ...]]) -> dict[str, int]:
    return {key: version for version, keys in table.items() for key in keys}


CLANG_FORMAT_KEYS = _by_key(_CLANG_FORMAT_BY_VERSION)
CLANG_TIDY_KEYS = _by_key(_CLANG_TIDY_BY_VERSION)
