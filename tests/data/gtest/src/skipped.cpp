// GTEST_SKIP(): with and without a message, in the body and in a fixture's SetUp.
#include <gtest/gtest.h>

TEST(Gpu, Renders) { GTEST_SKIP() << "no GPU on this machine"; }
TEST(Gpu, Silent) { GTEST_SKIP(); }
TEST(Gpu, Cpu) { EXPECT_TRUE(true); }

class Database : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_SKIP() << "DATABASE_URL is not set"; }
};

TEST_F(Database, Queries) { FAIL() << "never runs: SetUp skipped it"; }
