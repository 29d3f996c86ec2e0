#ifndef SAMPLE_SERVICE_HPP
#define SAMPLE_SERVICE_HPP

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "sample/router.hpp"

namespace sample {

inline constexpr std::string_view kServiceName = "sample-service";
inline constexpr std::string_view kServiceVersion = "1.0.0";

// The sample service: a tiny in-memory key-value API.
//
//   GET    /health          -> {"status":"ok"}
//   GET    /version         -> {"service":"sample-service","version":"1.0.0"}
//   GET    /checksum/:text  -> {"input":"<text>","crc32":"<hex>"}
//   GET    /kv              -> {"keys":["a","b"]}
//   GET    /kv/:key         -> {"key":"<key>","value":"<value>"} or 404
//   PUT    /kv/:key <value> -> {"key":"<key>","value":"<value>"} (201 when created)
//   DELETE /kv/:key         -> {"deleted":"<key>"} or 404
class Service {
 public:
  Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  Service(Service&&) = delete;
  Service& operator=(Service&&) = delete;
  ~Service() = default;

  Response handle(const Request& request);

  // Parses and handles a single request line; malformed lines give a 400 response.
  Response handle_line(std::string_view line);

  std::size_t key_count() const noexcept { return store_.size(); }

 private:
  Router router_;
  std::map<std::string, std::string, std::less<>> store_;
};

// Process exit code for a response: 0 for 2xx, 1 otherwise.
int exit_code(const Response& response) noexcept;

}  // namespace sample

#endif  // SAMPLE_SERVICE_HPP
