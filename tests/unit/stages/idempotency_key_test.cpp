// The Idempotency-Key field, its scope and the request fingerprint.
#include <gtest/gtest.h>

#include "../../../src/stages/idempotency/idempotency_key.hpp"
#include "../../../src/stages/idempotency/idempotency_store.hpp"
#include "../../../src/stages/idempotency/replay.hpp"

namespace gatehouse::idempotency {
namespace {

KeyRead read(std::initializer_list<std::string> values) {
  Fields f;
  for (const auto& v : values) f.insert("Idempotency-Key", v);
  return read_idempotency_key(f);
}

TEST(IdempotencyKey, TakesTheDraftsQuotedStringAndTheBareTokenAlike) {
  EXPECT_EQ(read({"\"8e03978e-40d5-43e8\""}).key, "8e03978e-40d5-43e8");
  EXPECT_EQ(read({"8e03978e-40d5-43e8"}).key, "8e03978e-40d5-43e8");
  EXPECT_EQ(read({"\"with space, and comma\""}).key, "with space, and comma");
  EXPECT_EQ(read({"\"a\\\"b\""}).key, "a\"b");
  EXPECT_EQ(read({std::string(255, 'k')}).key.size(), 255u);
}

TEST(IdempotencyKey, RefusesWhatIsNotOneKey) {
  EXPECT_EQ(read({}).problem, KeyRead::Problem::missing);
  EXPECT_EQ(read({"a", "b"}).problem, KeyRead::Problem::repeated);
  for (std::string bad : std::vector<std::string>{"", "\"\"", "a,b", "\"a\", \"b\"", "\"open", "has space", std::string(256, 'k'), "caf\xc3\xa9", "\"a\\x\"", "\"a\"b"})
    EXPECT_EQ(read({bad}).problem, KeyRead::Problem::malformed) << bad;
}

TEST(IdempotencyKey, ScopeSeparatesCallersAndRoutes) {
  EXPECT_EQ(scoped_key("orders", "alice", "k1"), scoped_key("orders", "alice", "k1"));
  EXPECT_NE(scoped_key("orders", "alice", "k1"), scoped_key("orders", "bob", "k1"));
  EXPECT_NE(scoped_key("orders", "alice", "k1"), scoped_key("billing", "alice", "k1"));
  // Length-prefixed: the caller and the key cannot trade characters.
  EXPECT_NE(scoped_key("orders", "ab", "c"), scoped_key("orders", "a", "bc"));
  EXPECT_EQ(scoped_key("orders", "alice", "k1").find("alice"), std::string::npos);
}

TEST(IdempotencyKey, FingerprintCoversMethodRoutePathAndQuery) {
  std::string base = request_fingerprint("PUT", "orders", "/orders/1", "a=1");
  EXPECT_EQ(base, request_fingerprint("PUT", "orders", "/orders/1", "a=1"));
  EXPECT_NE(base, request_fingerprint("PATCH", "orders", "/orders/1", "a=1"));
  EXPECT_NE(base, request_fingerprint("PUT", "other", "/orders/1", "a=1"));
  EXPECT_NE(base, request_fingerprint("PUT", "orders", "/orders/2", "a=1"));
  EXPECT_NE(base, request_fingerprint("PUT", "orders", "/orders/1", "a=2"));
  EXPECT_NE(request_fingerprint("PUT", "o", "/a", "b"), request_fingerprint("PUT", "o", "/a?", ""));
  // Long ones are digests, and still tell requests apart.
  std::string long_path = "/orders/" + std::string(100, 'x');
  EXPECT_NE(request_fingerprint("PUT", "orders", long_path, ""), request_fingerprint("PUT", "orders", long_path + "y", ""));
}

// Replicas of two versions share Redis during a rolling deploy: a key and a
// fingerprint must be the same bytes in both, so their form is pinned here.
TEST(IdempotencyKey, KeysAndFingerprintsKeepTheirStoredForm) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(scoped_key("orders", "alice", "k1"), "gatehouse:idem:orders:" + sha256_hex("5:alicek1"));
  EXPECT_EQ(scoped_key("orders", "", "k1"), "gatehouse:idem:orders:=k1");  // no caller: the key as sent
  EXPECT_EQ(request_fingerprint("PUT", "orders", "/orders/1", "a=1"), "=3:PUT6:orders9:/orders/13:a=1");
  std::string long_path = "/orders/" + std::string(100, 'x');
  EXPECT_EQ(request_fingerprint("PUT", "orders", long_path, ""), sha256_hex("3:PUT6:orders108:" + long_path + "0:"));
}

TEST(IdempotencyRecord, AResponseSurvivesItsEncodingByteForByte) {
  ResponseHead head(http::status::created);
  head.insert("Content-Type", "application/json");
  head.insert("Set-Cookie", "session=other-clients");  // never kept for replay
  head.insert("Location", "/orders/7");
  head.insert("Link", "</orders/7/items>; rel=\"items\"; a:b:c");
  const std::vector<std::pair<std::string, std::string>> kept{
      {"Content-Type", "application/json"}, {"Location", "/orders/7"}, {"Link", "</orders/7/items>; rel=\"items\"; a:b:c"}};
  const std::string body("{\"id\":7}\r\n\0x", 11);
  auto back = decode_response(encode_replay_head(head) + body);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 201);
  EXPECT_EQ(back->fields, kept);
  EXPECT_EQ(back->body, body);
  EXPECT_FALSE(decode_response("garbage"));
  EXPECT_FALSE(decode_response("200:2:4:name"));
}

}  // namespace
}  // namespace gatehouse::idempotency
