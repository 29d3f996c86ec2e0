from __future__ import annotations

import pytest

from cipipe.readers.unified_diff import changed_line_ranges, unquote_path

PATCH = """\
diff --git a/src/a.cpp b/src/a.cpp
index 1111111..2222222 100644
--- a/src/a.cpp
+++ b/src/a.cpp
@@ -3 +3 @@ int a() {
-  return 1;
+  return 2;
@@ -10,0 +11,3 @@ int b();
+int c();
+int d();
+int e();
@@ -20,2 +23,0 @@ int f();
-int g();
-int h();
diff --git a/gone.cpp b/gone.cpp
deleted file mode 100644
--- a/gone.cpp
+++ /dev/null
@@ -1,2 +0,0 @@
-int gone;
-int gone2;
diff --git a/top.h b/top.h
--- a/top.h
+++ b/top.h
@@ -1 +0,0 @@
-// first line removed
"""


def test_hunks_give_the_new_versions_line_ranges() -> None:
    # A deletion touches the line after which it deleted; one at the top touches nothing.
    assert changed_line_ranges(PATCH) == {"src/a.cpp": [(3, 3), (11, 13), (23, 23)]}


def test_a_quoted_path_is_unquoted() -> None:
    patch = '+++ "b/src/caf\\303\\251 \\"x\\".cpp"\n@@ -0,0 +1,2 @@\n+int a;\n+int b;\n'
    assert changed_line_ranges(patch) == {'src/café "x".cpp': [(1, 2)]}


@pytest.mark.parametrize(
    ("printed", "path"),
    [
        ("plain/path.cpp", "plain/path.cpp"),
        ('"tab\\there.cpp"', "tab\there.cpp"),
        ('"back\\\\slash.cpp"', "back\\slash.cpp"),
        ('"\\346\\227\\245.h"', "日.h"),
    ],
)
def test_unquote_path(printed: str, path: str) -> None:
    assert unquote_path(printed) == path


def test_another_prefix() -> None:
    assert changed_line_ranges("+++ w/x.c\n@@ -1 +1 @@\n", prefix="w/") == {"x.c": [(1, 1)]}
    assert changed_line_ranges("+++ b/x.c\n@@ -1 +1 @@\n", prefix="w/") == {}
