#include "sample/checksum.hpp"

#include <array>
#include <cstddef>

namespace sample {
namespace {

constexpr std::uint32_t kPolynomial = 0xEDB88320U;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256U; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) {
      c = (c & 1U) != 0U ? kPolynomial ^ (c >> 1U) : c >> 1U;
    }
    table[i] = c;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kTable = make_table();

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, std::string_view data) noexcept {
  std::uint32_t c = crc ^ 0xFFFFFFFFU;
  for (const char ch : data) {
    const auto byte = static_cast<unsigned char>(ch);
    c = kTable[(c ^ byte) & 0xFFU] ^ (c >> 8U);
  }
  return c ^ 0xFFFFFFFFU;
}

std::uint32_t crc32(std::string_view data) noexcept { return crc32_update(0U, data); }

std::string to_hex(std::uint32_t value) {
  static constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out(8, '0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[out.size() - 1 - i] = kDigits[value & 0xFU];
    value >>= 4U;
  }
  return out;
}

}  // namespace sample
