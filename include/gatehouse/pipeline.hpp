#pragma once
#include <memory>
#include <vector>

#include "gatehouse/stage.hpp"

namespace gatehouse {

// Runs stages in order and their response hooks in reverse. An exception
// escaping a stage is a bug: it is caught here, answered with a 500 problem
// and recorded as EX, and the request is still logged once by the session.
class Pipeline {
 public:
  void add(std::unique_ptr<Stage> stage) { stages_.push_back(std::move(stage)); }
  asio::awaitable<void> run(Exchange& ex) const;

 private:
  std::vector<std::unique_ptr<Stage>> stages_;
};

// The default order, written down in one place (src/pipeline/default_pipeline.cpp).
Pipeline make_default_pipeline();

}  // namespace gatehouse
