#pragma once
#include <memory>
#include <vector>

#include "gatehouse/stage.hpp"

namespace gatehouse {

// Runs the phases of the stage contract (stage.hpp) over an ordered list of
// stages: request hooks in order, response-head hooks and completion hooks in
// reverse, each for the stages that entered the exchange only. An exception
// escaping a stage is a bug: it is caught here, answered with a 500 problem
// and recorded as EX, and the request is still logged once by the session.
class Pipeline {
 public:
  // Throws std::length_error past kMaxStages.
  void add(std::unique_ptr<Stage> stage);
  std::size_t size() const { return stages_.size(); }

  // Phases 1 and 2: afterwards the exchange has a response head and body.
  Awaitable<void> run(Exchange& ex) const;
  // Phase 4, once per exchange (later calls do nothing).
  void complete(Exchange& ex, const Outcome& outcome) const noexcept;
  // The worker's event loop is about to go (Stage::on_worker_stop).
  void worker_stopping() noexcept;

 private:
  void fail(Exchange& ex, std::string_view stage, std::string_view what) const;

  std::vector<std::unique_ptr<Stage>> stages_;
};

}  // namespace gatehouse
