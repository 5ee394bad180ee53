#include <gtest/gtest.h>
#include <unistd.h>

#include "gatehouse/config_error.hpp"
#include "gatehouse/dotenv.hpp"

using gatehouse::ConfigError;
using gatehouse::EnvMap;
using gatehouse::effective_environment;
using gatehouse::parse_dotenv;

TEST(Dotenv, CommentsBlankLinesAndExport) {
  auto env = parse_dotenv("# a comment\n\nexport A=1\nB = two  # trailing comment\n", {});
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "two");
  EXPECT_EQ(env.size(), 2u);
}

TEST(Dotenv, SingleQuotesAreLiteral) {
  auto env = parse_dotenv("A='x ${HOME} \\n #not a comment'\n", {{"HOME", "/root"}});
  EXPECT_EQ(env.at("A"), "x ${HOME} \\n #not a comment");
}

TEST(Dotenv, DoubleQuotesUnderstandEscapesAndSpanLines) {
  auto env = parse_dotenv("A=\"line1\\nline2\\t\\\"q\\\"\"\nB=\"multi\nline\"\n", {});
  EXPECT_EQ(env.at("A"), "line1\nline2\t\"q\"");
  EXPECT_EQ(env.at("B"), "multi\nline");
}

TEST(Dotenv, ExpandsFromRealEnvironmentFirstThenEarlierLines) {
  EnvMap outer{{"HOST", "real"}};
  auto env = parse_dotenv("HOST=file\nPORT=9000\nURL=\"http://${HOST}:${PORT}\"\nBARE=${PORT}/x\nMISSING=\"[${NOPE}]\"\n", outer);
  EXPECT_EQ(env.at("URL"), "http://real:9000");
  EXPECT_EQ(env.at("BARE"), "9000/x");
  EXPECT_EQ(env.at("MISSING"), "[]");
}

TEST(Dotenv, NeverExecutesCommands) {
  auto env = parse_dotenv("A=\"$(touch /tmp/gatehouse-pwned)\"\nB=`id`\n", {});
  EXPECT_EQ(env.at("A"), "$(touch /tmp/gatehouse-pwned)");
  EXPECT_EQ(env.at("B"), "`id`");
}

TEST(Dotenv, MalformedLineNamesFileAndLine) {
  try {
    parse_dotenv("A=1\nthis is wrong\n", {}, "conf/.env");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "conf/.env:2: expected NAME=value, found no '=' after this");
  }
  EXPECT_THROW(parse_dotenv("A=\"unterminated\n", {}), ConfigError);
  EXPECT_THROW(parse_dotenv("A='x' trailing\n", {}), ConfigError);
}

TEST(Dotenv, CrlfLineEndings) {
  auto env = parse_dotenv("A=1\r\nB='2'\r\n", {});
  EXPECT_EQ(env.at("A"), "1");
  EXPECT_EQ(env.at("B"), "2");
}

TEST(Dotenv, AMissingFileIsNoErrorButAnUnreadableOneIs) {
  EXPECT_NO_THROW(effective_environment("/nonexistent/.env"));
  char dir[] = "/tmp/gatehouse-dotenv-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  try {
    effective_environment(dir);  // a directory: it exists, it cannot be read
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), std::string(dir) + ": cannot be read (Is a directory)");
  }
  rmdir(dir);
}
