// Value- and type-parameterised tests: suite and test names get an instantiation prefix
// and an index, and the XML carries value_param / type_param.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

class CrcTest : public ::testing::TestWithParam<int> {};

TEST_P(CrcTest, Matches) { EXPECT_GE(GetParam(), 0); }
TEST_P(CrcTest, Odd) { EXPECT_EQ(GetParam() % 2, 1) << "param " << GetParam(); }

INSTANTIATE_TEST_SUITE_P(Crc, CrcTest, ::testing::Values(1, 2, 3));

template <typename T>
class Codec : public ::testing::Test {};

using CodecTypes = ::testing::Types<std::int32_t, std::string>;
TYPED_TEST_SUITE(Codec, CodecTypes);

TYPED_TEST(Codec, RoundTrips) {
  TypeParam value{};
  EXPECT_EQ(value, TypeParam{});
}
