#include "sample/router.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <utility>

#include "sample/checksum.hpp"

namespace sample {
namespace {

std::string to_upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char ch) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  });
  return out;
}

bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// Returns the first whitespace-delimited token and advances `text` past it.
std::string_view next_token(std::string_view& text) {
  text = trim(text);
  std::size_t end = 0;
  while (end < text.size() && !is_space(text[end])) {
    ++end;
  }
  const std::string_view token = text.substr(0, end);
  text.remove_prefix(end);
  return token;
}

}  // namespace

std::optional<Method> parse_method(std::string_view text) {
  const std::string upper = to_upper(text);
  if (upper == "GET") {
    return Method::kGet;
  }
  if (upper == "PUT") {
    return Method::kPut;
  }
  if (upper == "DELETE") {
    return Method::kDelete;
  }
  return std::nullopt;
}

std::string_view method_name(Method method) noexcept {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
  }
  return "UNKNOWN";
}

std::optional<Request> parse_request(std::string_view line) {
  std::string_view rest = line;
  const std::optional<Method> method = parse_method(next_token(rest));
  const std::string_view path = next_token(rest);
  if (!method || path.empty() || path.front() != '/') {
    return std::nullopt;
  }
  Request request;
  request.method = *method;
  request.path = std::string(path);
  request.body = std::string(trim(rest));
  return request;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20U) {
          out += "\\u00";
          out += to_hex(static_cast<unsigned char>(ch)).substr(6);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

Response error_response(int status, std::string_view message) {
  return Response{status, "{\"error\":\"" + json_escape(message) + "\"}"};
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (!segment.empty()) {
      segments.emplace_back(segment);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return segments;
}

void Router::add(Method method, std::string_view pattern, Handler handler) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler)});
}

std::optional<Router::Params> Router::match(const Route& route,
                                            const std::vector<std::string>& path) {
  if (route.segments.size() != path.size()) {
    return std::nullopt;
  }
  Params params;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (!expected.empty() && expected.front() == ':') {
      params.push_back(path[i]);
    } else if (expected != path[i]) {
      return std::nullopt;
    }
  }
  return params;
}

Response Router::dispatch(const Request& request) const {
  const std::vector<std::string> path = split_path(request.path);
  bool path_matched = false;
  for (const Route& route : routes_) {
    const std::optional<Params> params = match(route, path);
    if (!params) {
      continue;
    }
    if (route.method != request.method) {
      path_matched = true;
      continue;
    }
    return route.handler(request, *params);
  }
  if (path_matched) {
    return error_response(405, "method not allowed: " + std::string(method_name(request.method)) +
                                   " " + request.path);
  }
  return error_response(404, "unknown route: " + request.path);
}

}  // namespace sample
