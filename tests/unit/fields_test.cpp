// The flat header store every stage edits: lookups ignore case, edits keep
// the order a reader of the wire would expect, and text taken from the store
// itself survives an edit that grows it.
#include "gatehouse/fields.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gatehouse {
namespace {

std::vector<std::string> lines(const Fields& f) {
  std::vector<std::string> out;
  for (const auto field : f) out.push_back(std::string(field.name) + ": " + std::string(field.value));
  return out;
}

TEST(Fields, LookupsIgnoreTheCaseOfNames) {
  Fields f;
  f.insert("Content-Type", "application/json");
  EXPECT_EQ(f["content-type"], "application/json");
  EXPECT_EQ(f[http::field::content_type], "application/json");
  EXPECT_EQ(f["CONTENT-TYPE"], "application/json");
  EXPECT_EQ(f["Content-Typf"], "");
  EXPECT_FALSE(f.contains("Content-Typ"));
  // '^' and '~' differ by the bit that folds letters: they are not the same name.
  f.insert("X-^", "caret");
  EXPECT_EQ(f["X-~"], "");
}

TEST(Fields, InsertKeepsArrivalOrderAndSetReplacesInPlace) {
  Fields f;
  f.insert("A", "1");
  f.insert("Via", "1.1 a");
  f.insert("B", "2");
  f.insert("via", "1.1 b");
  EXPECT_EQ(f.count("VIA"), 2u);
  std::vector<std::string> vias;
  f.for_each_value("Via", [&](std::string_view v) { vias.emplace_back(v); });
  EXPECT_EQ(vias, (std::vector<std::string>{"1.1 a", "1.1 b"}));

  f.set("Via", "1.1 a, 1.1 b, 1.1 gatehouse");  // longer than the old value: appended text
  EXPECT_EQ(lines(f), (std::vector<std::string>{"A: 1", "Via: 1.1 a, 1.1 b, 1.1 gatehouse", "B: 2"}));
  f.set("a", "x");  // shorter: written over the old value
  f.set("C", "3");  // new: at the end
  EXPECT_EQ(lines(f), (std::vector<std::string>{"A: x", "Via: 1.1 a, 1.1 b, 1.1 gatehouse", "B: 2", "C: 3"}));
}

TEST(Fields, EraseRemovesEveryLineOfTheName) {
  Fields f;
  f.insert("Set-Cookie", "a=1");
  f.insert("Keep", "yes");
  f.insert("set-cookie", "b=2");
  EXPECT_EQ(f.erase("SET-COOKIE"), 2u);
  EXPECT_EQ(lines(f), (std::vector<std::string>{"Keep: yes"}));
  EXPECT_EQ(f.erase("Set-Cookie"), 0u);
}

TEST(Fields, AValueTakenFromTheStoreSurvivesTheEditThatUsesIt) {
  Fields f;
  f.insert("Host", "api.example.com");
  // Growing the text buffer moves it; the view passed in pointed into the old one.
  for (int i = 0; i < 50; ++i) f.insert("X-Copy", f["Host"]);
  EXPECT_EQ(f.count("X-Copy"), 50u);
  f.for_each_value("X-Copy", [](std::string_view v) { EXPECT_EQ(v, "api.example.com"); });
  f.set("Host", f["Host"]);
  EXPECT_EQ(f["Host"], "api.example.com");
  // A long new name, appended first, moves the buffer under the value's view
  // (under ASan a stale view is a use-after-free).
  for (int i = 0; i < 200; ++i) f.insert(std::string(40, 'N'), f["Host"]);
  f.for_each_value(std::string(40, 'N'), [](std::string_view v) { EXPECT_EQ(v, "api.example.com"); });
}

TEST(Fields, NamesLongerThanSixtyFourKiBKeepTheirLength) {
  std::string name = "Host" + std::string(70000, 'x');
  Fields f;
  f.parse_checked_lines(name + ": evil\r\n");
  EXPECT_EQ(f["Host"], "");
  EXPECT_EQ(f[name], "evil");
}

TEST(Fields, ParsesCheckedLinesTrimmingWhitespace) {
  Fields f;
  f.parse_checked_lines("Host: api.example.com\r\nX-Empty:\r\nX-Padded: \t a b \t\r\n");
  EXPECT_EQ(lines(f), (std::vector<std::string>{"Host: api.example.com", "X-Empty: ", "X-Padded: a b"}));
  EXPECT_EQ(f.wire_size(), std::string("Host: api.example.com\r\nX-Empty: \r\nX-Padded: a b\r\n\r\n").size());
}

TEST(Fields, ClearForgetsTheFields) {
  Fields f;
  f.insert("A", "1");
  f.clear();
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f["A"], "");
  f.insert("B", "2");
  EXPECT_EQ(lines(f), (std::vector<std::string>{"B: 2"}));
}

}  // namespace
}  // namespace gatehouse
