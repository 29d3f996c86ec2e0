#ifndef SAMPLE_ROUTER_HPP
#define SAMPLE_ROUTER_HPP

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sample {

enum class Method { kGet, kPut, kDelete };

// Case-insensitive: "get", "GET" and "Get" all map to Method::kGet.
std::optional<Method> parse_method(std::string_view text);
std::string_view method_name(Method method) noexcept;

struct Request {
  Method method = Method::kGet;
  std::string path;
  std::string body;
};

struct Response {
  int status = 200;
  std::string body;

  bool ok() const noexcept { return status >= 200 && status < 300; }
};

// Parses "<METHOD> <path> [body...]", e.g. "PUT /kv/name hello world".
// The path must start with '/'. Returns std::nullopt on malformed input.
std::optional<Request> parse_request(std::string_view line);

// Escapes a string for use inside a JSON string literal (without the quotes).
std::string json_escape(std::string_view text);

// Builds {"error":"<message>"} with the given status.
Response error_response(int status, std::string_view message);

// Minimal path router. Patterns are '/'-separated; a segment starting with ':' captures
// the corresponding request segment, e.g. "/kv/:key" matches "/kv/color".
class Router {
 public:
  using Params = std::vector<std::string>;
  using Handler = std::function<Response(const Request&, const Params&)>;

  void add(Method method, std::string_view pattern, Handler handler);

  // 404 if no pattern matches the path, 405 if a pattern matches but not the method.
  Response dispatch(const Request& request) const;

  std::size_t size() const noexcept { return routes_.size(); }

 private:
  struct Route {
    Method method;
    std::vector<std::string> segments;
    Handler handler;
  };

  static std::optional<Params> match(const Route& route, const std::vector<std::string>& path);

  std::vector<Route> routes_;
};

// Splits a path into its non-empty segments: "/a//b/" -> {"a", "b"}.
std::vector<std::string> split_path(std::string_view path);

}  // namespace sample

#endif  // SAMPLE_ROUTER_HPP
