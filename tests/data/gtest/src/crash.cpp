// A test program that aborts mid-run: gtest writes its XML report only at the end of the
// run, so no report file is left behind.
#include <gtest/gtest.h>

#include <cstdlib>

TEST(Crash, Before) { EXPECT_TRUE(true); }
TEST(Crash, Aborts) { std::abort(); }
TEST(Crash, After) { EXPECT_TRUE(true); }
