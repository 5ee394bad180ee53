#include "gatehouse/pipeline.hpp"

#include <stdexcept>

#include "gatehouse/ops_log.hpp"

namespace gatehouse {

std::string_view ending_text(Outcome::Ending e) {
  switch (e) {
    case Outcome::Ending::delivered: return "delivered";
    case Outcome::Ending::client_gone: return "client_gone";
    case Outcome::Ending::upstream_failed: return "upstream_failed";
    case Outcome::Ending::shutdown: return "shutdown";
  }
  return "?";
}

void Pipeline::add(std::unique_ptr<Stage> stage) {
  if (stages_.size() == kMaxStages) throw std::length_error("a pipeline holds at most 16 stages");
  stage->index_ = stages_.size();
  stages_.push_back(std::move(stage));
}

Awaitable<void> Pipeline::run(Exchange& ex) const {
  std::string_view current;
  std::string failure;
  try {
    for (const auto& stage : stages_) {
      // Until a route is chosen every stage runs; after, only those active on it.
      if (ex.route && !stage->active_for(*ex.route)) continue;
      current = stage->name();
      ex.entered_stages |= 1u << stage->index();
      if (auto now = stage->on_request_now(ex)) {
        if (*now == Flow::answered) break;
        continue;
      }
      if (co_await stage->on_request(ex) == Flow::answered) break;
    }
    for (std::size_t i = stages_.size(); i-- > 0;) {
      const Stage& stage = *stages_[i];
      if (!(ex.entered_stages & (1u << i)) || !stage.has_response_head_hook()) continue;
      current = stage.name();
      if (stages_[i]->on_response_head_now(ex)) continue;
      co_await stages_[i]->on_response_head(ex);
    }
    co_return;
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "unknown exception";
  }
  fail(ex, current, failure);
}

// A bug, not a request problem: answer 500, keep the connection out of use.
void Pipeline::fail(Exchange& ex, std::string_view stage, std::string_view what) const {
  ops_log().debug("exception in stage {} for request {}: {}", stage, ex.info.request_id, what);
  ex.failed_stage = stage;
  ex.reset_response();
  ex.answer_problem(ErrorCode::internal, "internal error in stage " + std::string(stage));
  ex.response.set("X-Request-Id", ex.info.request_id);
  ex.close_connection = true;
}

void Pipeline::complete(Exchange& ex, const Outcome& outcome) const noexcept {
  if (ex.completed) return;
  ex.completed = true;
  // Bodies that did not reach their end are cut short now, before any stage
  // takes its state away: a filter never outlives what it writes to.
  ex.abort_unfinished_bodies();
  for (std::size_t i = stages_.size(); i-- > 0;)
    if (ex.entered_stages & (1u << i)) stages_[i]->on_complete(ex, outcome);
}

void Pipeline::worker_stopping() noexcept {
  for (auto& stage : stages_) stage->on_worker_stop();
}

}  // namespace gatehouse
