// The value parsers that rows are built from, and the error a bad value gives.
#include "gatehouse/setting_schema.hpp"

#include <fmt/format.h>

#include "gatehouse/config_error.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

void throw_bad_setting(std::string_view variable, std::string_view shown, std::string_view expected) {
  throw ConfigError(fmt::format("{}=\"{}\": expected {}", variable, shown, expected));
}

ValueParser<std::chrono::milliseconds> duration_value(ZeroDuration zero) {
  return [zero](std::string_view text) {
    auto d = parse_duration(text);
    // The wording stays "positive" where zero is allowed too: the message predates the zero-allowed settings.
    if (!d || (zero == ZeroDuration::refused && d->count() == 0)) throw BadValue("a positive duration such as 250ms, 5s or 2m");
    return *d;
  };
}

ValueParser<std::uint64_t> size_value(std::string_view expected, std::uint64_t min, std::uint64_t max) {
  return [expected = std::string(expected), min, max](std::string_view text) {
    auto n = parse_size(text);
    if (!n || *n < min || *n > max) throw BadValue(expected);
    return *n;
  };
}

ValueParser<bool> bool_value() {
  return [](std::string_view text) {
    auto b = parse_bool(text);
    if (!b) throw BadValue("true or false");
    return *b;
  };
}

ValueParser<std::int64_t> integer_value(std::int64_t min, std::int64_t max) {
  return [min, max](std::string_view text) {
    auto n = parse_int(text, min, max);
    if (!n) throw BadValue(fmt::format("a whole number from {} to {}", min, max));
    return *n;
  };
}

ValueParser<std::string> text_value() {
  return [](std::string_view text) { return std::string(text); };
}

ValueParser<std::string> checked_text_value(std::function<bool(std::string_view)> valid, std::string_view expected) {
  return [valid = std::move(valid), expected = std::string(expected)](std::string_view text) {
    if (!valid(text)) throw BadValue(expected);
    return std::string(text);
  };
}

std::vector<std::string_view> split_list(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    auto comma = text.find(',');
    auto item = trim(text.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::string words_or(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

}  // namespace gatehouse
