#include <algorithm>
#include <cstring>

#include "gatehouse/exchange.hpp"

namespace gatehouse {

Awaitable<BodyRead> TextBody::read(asio::mutable_buffer into) {
  std::size_t n = std::min(into.size(), text_.size() - offset_);
  std::memcpy(into.data(), text_.data() + offset_, n);
  offset_ += n;
  co_return BodyRead{n};
}

void Exchange::answer(http::status status, std::string body, std::string_view content_type) {
  // A local answer that replaces an upstream's response keeps none of its
  // fields (Content-Encoding, ETag, Set-Cookie would describe another body).
  if (owned_body_) {
    response.reset();
    response_filters_.reset();
  }
  response.result(status);
  response.set(http::field::content_type, content_type);
  response_length = body.size();
  owned_body_.reset();
  local_body_.assign(std::move(body));
  response_body_ = &local_body_;
}

void Exchange::answer_problem(ErrorCode code, std::string detail, int status_override) {
  Problem p = problem_for(code);
  if (status_override) p.status = status_override;
  p.detail = detail;
  info.code = code;
  info.detail = std::move(detail);
  // Before the route stage has normalised the target, the instance is the raw one without its query.
  std::string_view instance = target.path.empty() ? std::string_view(info.target).substr(0, info.target.find('?')) : target.path;
  answer(static_cast<http::status>(p.status), problem_body(p, instance, info.request_id), "application/problem+json");
}

void Exchange::set_response_body(std::unique_ptr<BodySource> body, std::optional<std::uint64_t> length) {
  owned_body_ = std::move(body);
  response_body_ = owned_body_.get();
  response_length = length;
}

std::unique_ptr<BodySource> Exchange::take_response_body() {
  if (response_body_ == owned_body_.get()) response_body_ = nullptr;
  return std::move(owned_body_);
}

void Exchange::reset_response() {
  response_filters_.reset();
  owned_body_.reset();
  response_body_ = nullptr;
  response.reset();
  response_length.reset();
}

}  // namespace gatehouse
