#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "gatehouse/exchange.hpp"
#include "gatehouse/net.hpp"

namespace gatehouse {

// ---------------------------------------------------------------------------
// The stage contract (v2)
//
// A stage is one step of the request pipeline (src/pipeline/default_pipeline.cpp
// lists them in order). Each worker builds its own instance from the stage's
// factory, so a stage object is a per-worker singleton: it holds that worker's
// caches and connections, and needs no locks. What belongs to one request goes
// in the request's Exchange, never in the stage object.
//
// Phases of one exchange, and what a stage may do in each:
//
//  1. request: on_request_now(ex) or on_request(ex), in pipeline order.
//     Runs only for stages active on the request's route (active_for); the
//     stages before and including `route` run for every request. A stage may:
//      - read and edit the request head (ex.request);
//      - keep per-request state: ex.emplace_state<T>(*this, ...) (freed with
//        the exchange; ex.state<T>(*this) finds it again later);
//      - install request-body filters: ex.add_request_filter(*this, f);
//        they run in pipeline order as the body streams to the upstream;
//      - answer: fill ex.response (ex.answer / ex.answer_problem /
//        ex.set_response_body) and return Flow::answered. Later stages are
//        not entered.
//     A stage "entered" an exchange once its request hook was called; the
//     two later hooks run for entered stages only.
//     The hook has two forms. on_request_now is called first, synchronously:
//     a stage that decides without waiting (route, observe, a cache hit)
//     returns its Flow there and costs no coroutine frame. It returns
//     nullopt (the default) to have the awaitable on_request called instead,
//     for a stage that waits on I/O (always, or only sometimes: a miss).
//
//  2. response head: on_response_head(ex), awaitable, in reverse order, for
//     stages that say has_response_head_hook(). As for requests,
//     on_response_head_now(ex) is called first; returning true means it did
//     the work, and on_response_head is not awaited.
//     The response head is known (the upstream's, or a local answer) and
//     nothing has been written to the client yet. A stage may:
//      - edit the head (add headers, change the status);
//      - replace the body with one of its own (a cache hit, a rewritten
//        document): ex.set_response_body(...), or read the current body to
//        its end first (ex.take_response_body());
//      - install response-body filters: ex.add_response_filter(*this, f);
//        they run in reverse pipeline order, upstream side first, as the
//        body streams to the client.
//
//  3. body: the session streams both bodies through the filters (see
//     body_filter.hpp): every byte once, then on_end, or on_abort when the
//     body is cut short. A filter that changes the length makes the message
//     go without Content-Length.
//
//  4. complete: on_complete(ex, outcome), synchronous and noexcept, in reverse
//     order, exactly once for every entered stage, on every path: delivered,
//     local answer, error, client gone, upstream failed, shutdown. It runs
//     after the last byte was written (or the attempt given up), before the
//     access line is written, so a stage may still annotate ex.info (cache=,
//     idem=, rest=). Work that must outlive the request (record an outcome,
//     revalidate, finish reading an upstream body the client abandoned) is
//     handed to ex.worker.background(): it may take ownership of its state
//     (ex.take_state<T>(*this)) and of the response body (ex.take_response_body()).
//     On the `shutdown` ending the worker's event loop is going away: start
//     no I/O there (background work refuses new tasks by then).
//
// An exception escaping a request or response-head hook is a bug: the
// pipeline answers 500 (code EX, the stage named), runs no further request or
// response-head hooks, and still runs every entered stage's on_complete.
// ---------------------------------------------------------------------------

enum class Flow { next, answered };

// How an exchange ended, as the completion hook sees it.
struct Outcome {
  enum class Ending {
    delivered,        // the whole response reached the client (proxied or answered here)
    client_gone,      // the client left (or stalled) before the whole response was written
    upstream_failed,  // the upstream gave no usable response (the client got a 502/504 problem),
                      // or its body broke off after the head was sent
    shutdown,         // the worker stopped with the exchange unfinished (drain deadline)
  };
  Ending ending = Ending::delivered;
  int status = 0;                   // as sent to the client; 0 when no head was sent
  std::uint64_t body_bytes = 0;     // response body bytes written to the client
  bool request_sent = false;        // the upstream received the whole request (it may have acted)
};

std::string_view ending_text(Outcome::Ending e);

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;

  // Whether the stage takes part in requests on `route` (its per-route
  // setting). An inactive stage costs one virtual call per request.
  virtual bool active_for(const Route&) const { return true; }

  virtual std::optional<Flow> on_request_now(Exchange&) { return std::nullopt; }
  virtual Awaitable<Flow> on_request(Exchange&) { co_return Flow::next; }
  virtual bool on_response_head_now(Exchange&) { return false; }
  virtual Awaitable<void> on_response_head(Exchange&) { co_return; }
  // True when on_response_head does anything: the pipeline skips the
  // coroutine of stages that have none.
  virtual bool has_response_head_hook() const { return false; }
  virtual void on_complete(Exchange&, const Outcome&) noexcept {}
  // The worker's event loop is about to be destroyed (after its last
  // request was cut off or finished). A stage that holds sockets or timers
  // of its own on that loop (a store's connections) closes them here: no
  // I/O object may outlive the loop it was made on. Requests cut off later,
  // as the loop goes, still run on_complete; commands they issue must fail
  // at once.
  virtual void on_worker_stop() noexcept {}

  // The stage's place in its pipeline; set by Pipeline::add. It keys the
  // stage's per-request state and orders its body filters.
  std::size_t index() const { return index_; }

 private:
  friend class Pipeline;
  std::size_t index_ = 0;
};

}  // namespace gatehouse
