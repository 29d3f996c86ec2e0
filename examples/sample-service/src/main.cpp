// sample-service: answers one request given on the command line, or one request per line on
// stdin. Prints each response body (JSON) on stdout; exits 0 if every request succeeded (2xx)
// and 1 otherwise.
//
//   sample-service get /health            -> {"status":"ok"}
//   printf 'PUT /kv/a 1\nGET /kv/a\n' | sample-service

#include <iostream>
#include <string>
#include <string_view>

#include "sample/router.hpp"
#include "sample/service.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: sample-service <get|put|delete> <path> [value...]\n"
    "       sample-service < requests.txt   (one '<METHOD> <path> [value]' per line)\n"
    "       sample-service --help | --version\n";

void print(const sample::Response& response) {
  std::cout << response.body << '\n';
  if (!response.ok()) {
    std::cerr << "sample-service: request failed with status " << response.status << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  sample::Service service;

  if (argc > 1) {
    const std::string_view first = argv[1];
    if (first == "--help" || first == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (first == "--version") {
      std::cout << sample::kServiceName << ' ' << sample::kServiceVersion << '\n';
      return 0;
    }
    std::string line;
    for (int i = 1; i < argc; ++i) {
      if (i > 1) {
        line += ' ';
      }
      line += argv[i];
    }
    const sample::Response response = service.handle_line(line);
    print(response);
    if (response.status == 400) {
      std::cerr << kUsage;
    }
    return sample::exit_code(response);
  }

  int rc = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos || line.front() == '#') {
      continue;
    }
    const sample::Response response = service.handle_line(line);
    print(response);
    if (!response.ok()) {
      rc = 1;
    }
  }
  return rc;
}
