#include "sample/checksum.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>

namespace {

struct Crc32Case {
  // cppcheck-suppress unusedStructMember ; used by the INSTANTIATE_TEST_SUITE_P name generator
  const char* name;
  const char* input;
  std::uint32_t expected;
};

// Readable parameter values in gtest output (instead of a raw byte dump).
void PrintTo(const Crc32Case& c, std::ostream* os) {
  *os << '"' << c.input << "\" -> " << sample::to_hex(c.expected);
}

class Crc32KnownVectors : public ::testing::TestWithParam<Crc32Case> {};

TEST_P(Crc32KnownVectors, MatchesReference) {
  const Crc32Case& c = GetParam();
  EXPECT_EQ(sample::crc32(c.input), c.expected) << "input: \"" << c.input << "\"";
}

INSTANTIATE_TEST_SUITE_P(
    Reference, Crc32KnownVectors,
    ::testing::Values(
        Crc32Case{"Empty", "", 0x00000000U}, Crc32Case{"SingleChar", "a", 0xE8B7BE43U},
        Crc32Case{"Abc", "abc", 0x352441C2U}, Crc32Case{"CheckValue", "123456789", 0xCBF43926U},
        Crc32Case{"QuickBrownFox", "The quick brown fox jumps over the lazy dog", 0x414FA339U}),
    [](const ::testing::TestParamInfo<Crc32Case>& info) { return std::string(info.param.name); });

TEST(Crc32, IncrementalUpdateEqualsOneShot) {
  const std::string head = "hello, ";
  const std::string tail = "world";
  EXPECT_EQ(sample::crc32_update(sample::crc32(head), tail), sample::crc32(head + tail));
}

TEST(Crc32, HandlesEmbeddedNulAndHighBytes) {
  // Reference value from Python: zlib.crc32(b"\x00\xff\x80").
  const std::string data("\x00\xff\x80", 3);
  EXPECT_EQ(sample::crc32(data), 0x81DDA740U);
}

TEST(ToHex, IsLowerCaseAndZeroPadded) {
  EXPECT_EQ(sample::to_hex(0U), "00000000");
  EXPECT_EQ(sample::to_hex(0xCBF43926U), "cbf43926");
  EXPECT_EQ(sample::to_hex(0x1AU), "0000001a");
  EXPECT_EQ(sample::to_hex(0xFFFFFFFFU), "ffffffff");
}

}  // namespace
