#include "sample/service.hpp"

#include <string>

#include "sample/checksum.hpp"

namespace sample {
namespace {

std::string quoted(std::string_view text) { return "\"" + json_escape(text) + "\""; }

std::string key_value_json(std::string_view key, std::string_view value) {
  return "{\"key\":" + quoted(key) + ",\"value\":" + quoted(value) + "}";
}

}  // namespace

Service::Service() {
  router_.add(Method::kGet, "/health", [](const Request&, const Router::Params&) {
    return Response{200, "{\"status\":\"ok\"}"};
  });

  router_.add(Method::kGet, "/version", [](const Request&, const Router::Params&) {
    return Response{200, "{\"service\":" + quoted(kServiceName) +
                             ",\"version\":" + quoted(kServiceVersion) + "}"};
  });

  router_.add(Method::kGet, "/checksum/:text", [](const Request&, const Router::Params& params) {
    const std::string& text = params.at(0);
    return Response{
        200, "{\"input\":" + quoted(text) + ",\"crc32\":" + quoted(to_hex(crc32(text))) + "}"};
  });

  router_.add(Method::kGet, "/kv", [this](const Request&, const Router::Params&) {
    std::string body = "{\"keys\":[";
    bool first = true;
    for (const auto& entry : store_) {
      if (!first) {
        body += ",";
      }
      body += quoted(entry.first);
      first = false;
    }
    body += "]}";
    return Response{200, body};
  });

  router_.add(Method::kGet, "/kv/:key", [this](const Request&, const Router::Params& params) {
    const std::string& key = params.at(0);
    const auto it = store_.find(key);
    if (it == store_.end()) {
      return error_response(404, "no such key: " + key);
    }
    return Response{200, key_value_json(key, it->second)};
  });

  router_.add(Method::kPut, "/kv/:key",
              [this](const Request& request, const Router::Params& params) {
                const std::string& key = params.at(0);
                if (request.body.empty()) {
                  return error_response(400, "missing value for key: " + key);
                }
                const bool created = store_.insert_or_assign(key, request.body).second;
                return Response{created ? 201 : 200, key_value_json(key, request.body)};
              });

  router_.add(Method::kDelete, "/kv/:key", [this](const Request&, const Router::Params& params) {
    const std::string& key = params.at(0);
    if (store_.erase(key) == 0) {
      return error_response(404, "no such key: " + key);
    }
    return Response{200, "{\"deleted\":" + quoted(key) + "}"};
  });
}

Response Service::handle(const Request& request) { return router_.dispatch(request); }

Response Service::handle_line(std::string_view line) {
  const std::optional<Request> request = parse_request(line);
  if (!request) {
    return error_response(400, "malformed request, expected '<GET|PUT|DELETE> /path [body]'");
  }
  return handle(*request);
}

int exit_code(const Response& response) noexcept { return response.ok() ? 0 : 1; }

}  // namespace sample
