"""A ctest program that fails once and then passes."""

from __future__ import annotations

# Fails the first time it runs (it leaves a marker file), passes on every rerun.
FLAKY_ONCE = r"""
#include <gtest/gtest.h>
#include <cstdio>
#include <cstdlib>
TEST(Queue, Pushes) { SUCCEED(); }
TEST(Queue, Races) {
  const char* marker = std::getenv("FLAKY_MARKER");
  ASSERT_NE(marker, nullptr);
  if (std::FILE* seen = std::fopen(marker, "r")) { std::fclose(seen); return; }
  std::FILE* f = std::fopen(marker, "w"); std::fclose(f);
  FAIL() << "lost the race";
}
TEST(Queue, Broken) { EXPECT_EQ(1, 2) << "always broken"; }
"""
