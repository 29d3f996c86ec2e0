#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sample/router.hpp"
#include "sample/service.hpp"

namespace {

using sample::Method;
using sample::Request;
using sample::Response;

TEST(ParseRequest, ParsesMethodPathAndBody) {
  const auto request = sample::parse_request("  put /kv/greeting hello world \r\n");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method, Method::kPut);
  EXPECT_EQ(request->path, "/kv/greeting");
  EXPECT_EQ(request->body, "hello world");
}

TEST(ParseRequest, RejectsMalformedInput) {
  EXPECT_FALSE(sample::parse_request("").has_value());
  EXPECT_FALSE(sample::parse_request("GET").has_value());
  EXPECT_FALSE(sample::parse_request("GET health").has_value());
  EXPECT_FALSE(sample::parse_request("POST /health").has_value());
}

TEST(SplitPath, IgnoresEmptySegments) {
  EXPECT_EQ(sample::split_path("/a//b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(sample::split_path("/").empty());
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(sample::json_escape("plain"), "plain");
  EXPECT_EQ(sample::json_escape("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(sample::json_escape("line\nnext\t"), "line\\nnext\\t");
  EXPECT_EQ(sample::json_escape(std::string("\x01", 1)), "\\u0001");
}

TEST(Router, CapturesParametersAndReports404And405) {
  sample::Router router;
  router.add(Method::kGet, "/users/:id/posts/:post",
             [](const Request&, const sample::Router::Params& params) {
               return Response{200, params.at(0) + ":" + params.at(1)};
             });
  EXPECT_EQ(router.size(), 1U);

  const Response hit = router.dispatch(Request{Method::kGet, "/users/42/posts/7", ""});
  EXPECT_EQ(hit.status, 200);
  EXPECT_EQ(hit.body, "42:7");

  EXPECT_EQ(router.dispatch(Request{Method::kGet, "/users/42", ""}).status, 404);
  EXPECT_EQ(router.dispatch(Request{Method::kDelete, "/users/42/posts/7", ""}).status, 405);
}

TEST(Service, HealthAndVersion) {
  sample::Service service;
  const Response health = service.handle_line("GET /health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");
  EXPECT_EQ(sample::exit_code(health), 0);

  EXPECT_EQ(service.handle_line("get /version").body,
            R"({"service":"sample-service","version":"1.0.0"})");
}

TEST(Service, ChecksumRoute) {
  sample::Service service;
  EXPECT_EQ(service.handle_line("GET /checksum/123456789").body,
            R"({"input":"123456789","crc32":"cbf43926"})");
}

TEST(Service, KeyValueLifecycle) {
  sample::Service service;
  EXPECT_EQ(service.handle_line("GET /kv/color").status, 404);

  const Response created = service.handle_line("PUT /kv/color dark blue");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.body, R"({"key":"color","value":"dark blue"})");
  EXPECT_EQ(service.handle_line("PUT /kv/color green").status, 200);
  EXPECT_EQ(service.handle_line("PUT /kv/size 3").status, 201);
  EXPECT_EQ(service.key_count(), 2U);

  EXPECT_EQ(service.handle_line("GET /kv/color").body, R"({"key":"color","value":"green"})");
  EXPECT_EQ(service.handle_line("GET /kv").body, R"({"keys":["color","size"]})");

  EXPECT_EQ(service.handle_line("DELETE /kv/color").status, 200);
  EXPECT_EQ(service.handle_line("DELETE /kv/color").status, 404);
  EXPECT_EQ(service.key_count(), 1U);
}

TEST(Service, ErrorsMapToNonZeroExitCode) {
  sample::Service service;
  const Response unknown = service.handle_line("GET /nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"unknown route: /nope"})");
  EXPECT_EQ(sample::exit_code(unknown), 1);

  EXPECT_EQ(service.handle_line("PUT /kv/empty").status, 400);
  EXPECT_EQ(service.handle_line("PATCH /kv/x 1").status, 400);
  EXPECT_EQ(service.handle_line("PUT /health").status, 405);
}

// Intentionally disabled: persistence is not implemented yet. Kept to exercise
// disabled-test reporting in the pipeline.
TEST(Service, DISABLED_PersistsAcrossInstances) {
  {
    sample::Service writer;
    ASSERT_EQ(writer.handle_line("PUT /kv/persisted yes").status, 201);
  }
  sample::Service reader;
  EXPECT_EQ(reader.handle_line("GET /kv/persisted").status, 200);
}

}  // namespace
