// A flaky test: fails unless FLAKY_RERUN=1 is set (what the rerun sets), next to a
// test that always fails and one that always passes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

static bool is_rerun() {
  const char* value = std::getenv("FLAKY_RERUN");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

TEST(Queue, Pushes) { EXPECT_TRUE(true); }
TEST(Queue, Races) { EXPECT_TRUE(is_rerun()) << "lost the race"; }
TEST(Queue, Broken) { EXPECT_EQ(1, 2) << "always broken"; }
TEST(Timer, Fires) { EXPECT_TRUE(true); }
