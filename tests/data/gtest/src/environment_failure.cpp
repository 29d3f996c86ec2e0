// A failure outside any test (in a global Environment's SetUp): the tests still run (the
// failure is not fatal), and gtest 1.12 reports it in an extra
// <testsuite name="NonTestSuiteFailure"> whose one <testcase> has an empty name, while the
// root's failures="0" does not count it. Needs its own main() to register the environment.
#include <gtest/gtest.h>

class BrokenEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { ADD_FAILURE() << "cannot reach the license server"; }
};

TEST(Service, Starts) { EXPECT_TRUE(true); }

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new BrokenEnvironment);
  return RUN_ALL_TESTS();
}
