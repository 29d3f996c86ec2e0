// Failures of every kind gtest reports: two EXPECTs in one test (two <failure> elements),
// a fatal ASSERT, an exception escaping the test body, and a message with XML-special
// characters; the other tests pass.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

TEST(Parser, Accepts) { EXPECT_TRUE(true); }

TEST(Parser, TwoExpectations) {
  EXPECT_EQ(1 + 1, 3) << "first";
  EXPECT_EQ(2 * 2, 5) << "second";
}

TEST(Parser, FatalAssertion) {
  ASSERT_TRUE(false) << "stops here";
  EXPECT_TRUE(false) << "never reached";
}

TEST(Parser, Throws) { throw std::runtime_error("boom"); }

TEST(Escaping, SpecialCharacters) {
  const std::string text = "<tag attr=\"x\"> & 'y'";
  EXPECT_EQ(text, "") << "special: <&\">";
}

TEST(Escaping, Passes) { SUCCEED(); }
