// The pipeline runner: order, response hooks in reverse, and what happens
// when a stage throws (a bug): 500 problem, code EX, the stage named.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>

#include "gatehouse/pipeline.hpp"
#include "gatehouse/worker.hpp"

using namespace gatehouse;

namespace {

class Recording final : public Stage {
 public:
  Recording(std::string name, std::vector<std::string>& trail, bool answer, bool throws = false)
      : name_(std::move(name)), trail_(trail), answer_(answer), throws_(throws) {}
  std::string_view name() const override { return name_; }
  Awaitable<Flow> on_request(Exchange& ex) override {
    trail_.push_back(name_ + ">");
    if (throws_) throw std::runtime_error("store unavailable");
    if (answer_) {
      ex.answer(http::status::ok, "done", "text/plain");
      co_return Flow::answered;
    }
    co_return Flow::next;
  }
  bool has_response_head_hook() const override { return true; }
  Awaitable<void> on_response_head(Exchange&) override {
    trail_.push_back("<" + name_);
    co_return;
  }

 private:
  std::string name_;
  std::vector<std::string>& trail_;
  bool answer_, throws_;
};

// Decides synchronously when it can (`now` set), else asks to be awaited.
class Deciding final : public Stage {
 public:
  Deciding(std::string name, std::vector<std::string>& trail, std::optional<Flow> now)
      : name_(std::move(name)), trail_(trail), now_(now) {}
  std::string_view name() const override { return name_; }
  std::optional<Flow> on_request_now(Exchange& ex) override {
    trail_.push_back(name_ + " now");
    if (now_ == Flow::answered) ex.answer(http::status::accepted, "now", "text/plain");
    return now_;
  }
  Awaitable<Flow> on_request(Exchange&) override {
    trail_.push_back(name_ + " awaited");
    co_return Flow::next;
  }
  bool has_response_head_hook() const override { return true; }
  bool on_response_head_now(Exchange&) override {
    trail_.push_back("<" + name_ + " now");
    return now_.has_value();
  }
  Awaitable<void> on_response_head(Exchange&) override {
    trail_.push_back("<" + name_ + " awaited");
    co_return;
  }

 private:
  std::string name_;
  std::vector<std::string>& trail_;
  std::optional<Flow> now_;
};

struct Fixture {
  Settings settings;
  LogWriter log{::open("/dev/null", O_WRONLY)};
  ssl::context tls{ssl::context::tls_client};
  SharedState shared{settings, RouteTable(settings.routes), log, nullptr, tls};
  Worker worker{0, shared};
  RequestHead request{http::verb::get, "/x", 11};
  ResponseHead response;
  TextBody body;
  RequestInfo info;
  Exchange ex{worker, request, response, body, info};

  void run(const Pipeline& p) {
    asio::co_spawn(worker.io(), p.run(ex), asio::detached);
    worker.io().run();
  }
};

}  // namespace

TEST(Pipeline, StagesRunInOrderAndResponseHooksInReverse) {
  Fixture f;
  std::vector<std::string> trail;
  Pipeline p;
  p.add(std::make_unique<Recording>("a", trail, false));
  p.add(std::make_unique<Recording>("b", trail, true));
  p.add(std::make_unique<Recording>("c", trail, false));  // never reached: b answered
  f.run(p);
  EXPECT_EQ(trail, (std::vector<std::string>{"a>", "b>", "<b", "<a"}));
  EXPECT_EQ(f.ex.response.result_int(), 200u);
  EXPECT_EQ(f.info.code, ErrorCode::none);
}

TEST(Pipeline, AnExceptionBecomesA500ProblemNamingTheStage) {
  Fixture f;
  f.info.request_id = "rid-9";
  std::vector<std::string> trail;
  Pipeline p;
  p.add(std::make_unique<Recording>("observe", trail, false));
  p.add(std::make_unique<Recording>("idempotency", trail, false, true));
  f.run(p);
  EXPECT_EQ(f.ex.response.result_int(), 500u);
  EXPECT_EQ(f.ex.response[http::field::content_type], "application/problem+json");
  EXPECT_EQ(f.info.code, ErrorCode::internal);
  EXPECT_EQ(f.ex.failed_stage, "idempotency");
  EXPECT_TRUE(f.ex.close_connection);
  auto problem = nlohmann::json::parse(f.ex.local_text());
  EXPECT_EQ(problem["type"], "/problems/internal-error");
  EXPECT_EQ(problem["request_id"], "rid-9");
  EXPECT_EQ(trail, (std::vector<std::string>{"observe>", "idempotency>"}));  // no hooks after a bug
}

TEST(Pipeline, SynchronousHooksReplaceTheirAwaitableFormsUnlessTheyDecline) {
  Fixture f;
  std::vector<std::string> trail;
  Pipeline p;
  p.add(std::make_unique<Deciding>("sync", trail, Flow::next));
  p.add(std::make_unique<Deciding>("waits", trail, std::nullopt));
  p.add(std::make_unique<Deciding>("answers", trail, Flow::answered));
  p.add(std::make_unique<Recording>("after", trail, false));  // never reached
  f.run(p);
  EXPECT_EQ(trail, (std::vector<std::string>{"sync now", "waits now", "waits awaited", "answers now", "<answers now",
                                             "<waits now", "<waits awaited", "<sync now"}));
  EXPECT_EQ(f.ex.response.result_int(), 202u);
}
