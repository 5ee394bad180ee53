#include "gatehouse/pipeline.hpp"

#include "gatehouse/ops_log.hpp"

namespace gatehouse {

asio::awaitable<void> Pipeline::run(Exchange& ex) const {
  std::size_t entered = 0;
  std::string_view failed_stage;
  std::string failure;
  try {
    while (entered < stages_.size()) {
      const auto& stage = stages_[entered++];
      failed_stage = stage->name();
      if (co_await stage->on_request(ex) == Flow::answered) break;
    }
    for (std::size_t i = entered; i-- > 0;) {
      failed_stage = stages_[i]->name();
      stages_[i]->on_response(ex);
    }
    co_return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  // A bug, not a request problem: answer 500, keep the connection out of use.
  ops_log().debug("exception in stage {} for request {}: {}", failed_stage, ex.info.request_id, failure);
  ex.failed_stage = failed_stage;
  ex.upstream_body.reset();
  ex.response = {};
  ex.answer_problem(ErrorCode::internal, "internal error in stage " + std::string(failed_stage));
  ex.response.set("X-Request-Id", ex.info.request_id);
  ex.close_connection = true;
}

}  // namespace gatehouse
