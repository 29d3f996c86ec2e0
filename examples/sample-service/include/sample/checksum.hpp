#ifndef SAMPLE_CHECKSUM_HPP
#define SAMPLE_CHECKSUM_HPP

#include <cstdint>
#include <string>
#include <string_view>

namespace sample {

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zlib/PNG/gzip.
std::uint32_t crc32(std::string_view data) noexcept;

// Continue a running CRC-32: crc32_update(crc32(a), b) == crc32(a + b).
std::uint32_t crc32_update(std::uint32_t crc, std::string_view data) noexcept;

// Lower-case, zero-padded 8 digit hex representation ("cbf43926").
std::string to_hex(std::uint32_t value);

}  // namespace sample

#endif  // SAMPLE_CHECKSUM_HPP
