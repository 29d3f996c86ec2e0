// Every test passes: 6 tests in 3 suites; Timing.Sleeps takes about 25 ms so that the report
// has a time other than 0 (gtest reports milliseconds).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

TEST(Math, Adds) { EXPECT_EQ(2 + 2, 4); }
TEST(Math, Multiplies) { EXPECT_EQ(3 * 4, 12); }
TEST(Math, Divides) { EXPECT_DOUBLE_EQ(1.0 / 4.0, 0.25); }

TEST(Strings, Concatenates) { EXPECT_EQ(std::string("ab") + "c", "abc"); }
TEST(Strings, Compares) { EXPECT_LT(std::string("a"), std::string("b")); }

TEST(Timing, Sleeps) { std::this_thread::sleep_for(std::chrono::milliseconds(25)); }
