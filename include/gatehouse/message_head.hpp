#pragma once
// The heads of the requests and responses the gateway relays: a start line
// and flat Fields. Stages edit them in place; wire_format.hpp writes them.
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <string>
#include <string_view>

#include "gatehouse/fields.hpp"

namespace gatehouse {

// Whether a message of this HTTP version (10 or 11) with these fields lets
// its connection stay open (RFC 9112 §9.3): a Connection option "close"
// ends it; HTTP/1.0 needs "keep-alive".
bool keeps_alive(unsigned version, const Fields& fields);

// Statuses that never carry a body (1xx, 204, 304).
constexpr bool status_has_no_body(unsigned status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

class RequestHead : public Fields {
 public:
  RequestHead() = default;
  RequestHead(http::verb method, std::string_view target, unsigned version);

  http::verb method() const { return method_; }
  // The method's text, also for methods Beast has no verb for.
  std::string_view method_string() const { return method_text_; }
  void method(http::verb m);
  void method_string(std::string_view text);

  std::string_view target() const { return target_; }
  void target(std::string_view t) { target_.assign(t); }
  // The target as `prefix` followed by `rest`, written in place (no temporary).
  void target(std::string_view prefix, std::string_view rest) {
    target_.assign(prefix);
    target_.append(rest);
  }

  unsigned version() const { return version_; }  // 10 or 11
  void version(unsigned v) { version_ = v; }

 private:
  http::verb method_ = http::verb::get;
  std::string method_text_ = "GET";
  std::string target_ = "/";
  unsigned version_ = 11;
};

class ResponseHead : public Fields {
 public:
  ResponseHead() = default;
  explicit ResponseHead(http::status status, unsigned version = 11) : status_(static_cast<unsigned>(status)), version_(version) {}

  http::status result() const { return static_cast<http::status>(status_); }
  unsigned result_int() const { return status_; }
  void result(http::status s) { result(static_cast<unsigned>(s)); }
  void result(unsigned s) { status_ = s; }
  // The reason phrase as received, else the standard one for the status.
  std::string_view reason() const;
  void reason(std::string_view r) { reason_.assign(r); }

  unsigned version() const { return version_; }
  void version(unsigned v) { version_ = v; }
  bool keep_alive() const { return keeps_alive(version_, *this); }

  // Back to a fresh 200 with no fields, keeping the buffers' capacity.
  void reset() {
    clear();
    status_ = 200;
    reason_.clear();
    version_ = 11;
  }

 private:
  unsigned status_ = 200;
  std::string reason_;
  unsigned version_ = 11;
};

}  // namespace gatehouse
