#pragma once
// A settings schema: one row a variable, carrying its name, its parser, its
// default and its documentation, so that none of them is kept in step by hand.
// The core settings (src/config/global_rows.cpp, route_rows.cpp) and the
// stages' own settings are declared the same way:
//
//   struct CacheConfig { Millis ttl{}; std::uint64_t max_entry = 0; bool enabled = false; };
//   std::span<const SettingRow<CacheConfig>> cache_rows() {
//     using R = SettingRows<CacheConfig>;
//     static const std::vector<SettingRow<CacheConfig>> rows{
//       R::boolean("GATEHOUSE_CACHE", "false", "Cache GET responses.", &CacheConfig::enabled),
//       R::duration("GATEHOUSE_CACHE_TTL", "30s", "How long a response is served from the cache.", &CacheConfig::ttl),
//       R::size("GATEHOUSE_CACHE_MAX_ENTRY", "1m", "Largest response kept.", &CacheConfig::max_entry,
//               "a size from 1k to 64m such as 1m", 1024, 64 << 20)};
//     return rows;
//   }
//   CacheConfig c;
//   apply_settings(cache_rows(), env, c);   // throws ConfigError naming the variable
//
// The stage also adds docs_of(cache_rows()) to the SettingCatalog it hands to
// load_settings and help_text, so that its names count as known.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gatehouse/dotenv.hpp"
#include "gatehouse/schema.hpp"
#include "gatehouse/values.hpp"

namespace gatehouse {

// Thrown by a value parser: what the text should have been ("true or false").
// The row turns it into the ConfigError that names the variable and the value.
class BadValue : public std::runtime_error {
 public:
  // `shown`: the value as the message quotes it, when the parser normalised
  // the text before judging it; otherwise the message quotes the text as set.
  explicit BadValue(const std::string& expected, std::optional<std::string> shown = std::nullopt)
      : std::runtime_error(expected), shown_(std::move(shown)) {}
  const std::optional<std::string>& shown() const { return shown_; }

 private:
  std::optional<std::string> shown_;
};

// Turns the text of a variable into a value, or throws BadValue.
template <class T>
using ValueParser = std::function<T(std::string_view text)>;

// ---- Parsers of the kinds in use (setting_schema.cpp) ----

enum class ZeroDuration { refused, allowed };
// "250ms", "5s", "2m", "1h"; a bare number is seconds.
ValueParser<std::chrono::milliseconds> duration_value(ZeroDuration zero = ZeroDuration::refused);
// "512", "64k", "10m", "1g", within [min, max]; `expected` is the whole expectation.
ValueParser<std::uint64_t> size_value(std::string_view expected, std::uint64_t min = 0,
                                      std::uint64_t max = std::numeric_limits<std::uint64_t>::max());
ValueParser<bool> bool_value();
ValueParser<std::int64_t> integer_value(std::int64_t min, std::int64_t max);
// Any text, as set.
ValueParser<std::string> text_value();
// Text that `valid` accepts.
ValueParser<std::string> checked_text_value(std::function<bool(std::string_view)> valid, std::string_view expected);

// Comma-separated items, trimmed; empty items are skipped.
std::vector<std::string_view> split_list(std::string_view text);
// "a", "a or b", "a, b or c".
std::string words_or(const std::vector<std::string_view>& words);

// One of a few words, matched without regard to case; the expectation lists
// them in the order given.
template <class T>
ValueParser<T> choice_value(std::vector<std::pair<std::string_view, T>> words);

// A comma-separated list; `item` gives nullopt for an item it rejects. An
// empty list is allowed unless `expected_when_empty` is given.
template <class Item>
ValueParser<std::vector<Item>> list_value(std::function<std::optional<Item>(std::string_view)> item, std::string_view expected,
                                          std::string_view expected_when_empty = {});

// ---- Rows ----

// The ConfigError of a bad value: NAME="value": expected ...
[[noreturn]] void throw_bad_setting(std::string_view variable, std::string_view shown, std::string_view expected);

template <class Config>
struct SettingRow {
  std::string_view name;          // full variable name (GATEHOUSE_X) for global rows, option suffix for route rows
  std::string_view default_text;  // parsed like a set value when the variable is unset, unless the default is computed or seeded
  std::string_view meaning;       // one line of documentation (--help, checked against the README)
  // Parses `text`, validates it and stores it into the config; throws BadValue.
  std::function<void(Config&, std::string_view text)> store;

  // When set, default_text only documents the default ("the host name") and
  // this gives the text applied when the variable is unset.
  std::function<std::string()> computed_default;
  // When set, default_text only documents the default and an unset variable
  // leaves the config as the caller seeded it before applying the rows (a
  // route option seeded from its global setting; workers from the core count).
  bool seeded_default = false;
  // Errors print "(hidden)" instead of the value (keys, DSNs).
  bool secret = false;
  // When set, the row is read only while this other variable (same prefix) is
  // unset: PORT is consulted only when GATEHOUSE_PORT is not.
  std::string_view fallback_of;

  SettingRow computed(std::function<std::string()> f) && {
    computed_default = std::move(f);
    return std::move(*this);
  }
  SettingRow seeded() && {
    seeded_default = true;
    return std::move(*this);
  }
  SettingRow hidden() && {
    secret = true;
    return std::move(*this);
  }
  SettingRow fallback_for(std::string_view other) && {
    fallback_of = other;
    return std::move(*this);
  }

  // True when default_text is documentation rather than a value.
  bool default_is_documentation() const { return computed_default != nullptr || seeded_default; }

  // Stores `text` as the value of `variable` (the full name, for the message);
  // throws ConfigError "NAME=\"value\": expected ..." when it does not parse.
  void apply(Config& config, std::string_view variable, std::string_view text) const {
    try {
      store(config, text);
    } catch (const BadValue& e) {
      throw_bad_setting(variable, secret ? std::string_view("(hidden)") : e.shown() ? std::string_view(*e.shown()) : text, e.what());
    }
  }
};

// A computed default of no text: the "(none)" of an optional file or key.
inline std::string no_text() { return {}; }

// Builders of rows for one Config. `field` says where the value goes: a
// member pointer (&Config::port) or a callable giving a reference to it
// (nested(&Settings::route_defaults, &RouteOptions::connect_timeout)).
template <class Config>
class SettingRows {
  template <class Field>
  using FieldType = std::remove_cvref_t<std::invoke_result_t<Field, Config&>>;

 public:
  using Row = SettingRow<Config>;

  // Any parser: a callable T(std::string_view) that throws BadValue.
  template <class Field, class Parse>
  static Row custom(std::string_view name, std::string_view default_text, std::string_view meaning, Field field, Parse parse) {
    Row row;
    row.name = name;
    row.default_text = default_text;
    row.meaning = meaning;
    row.store = [field, parse = std::move(parse)](Config& config, std::string_view text) {
      // The parsers give int64_t or uint64_t; their min/max keep the value in the field's range.
      std::invoke(field, config) = static_cast<FieldType<Field>>(parse(text));
    };
    return row;
  }

  template <class Field>
  static Row duration(std::string_view name, std::string_view default_text, std::string_view meaning, Field field,
                      ZeroDuration zero = ZeroDuration::refused) {
    return custom(name, default_text, meaning, field, duration_value(zero));
  }
  template <class Field>
  static Row size(std::string_view name, std::string_view default_text, std::string_view meaning, Field field, std::string_view expected,
                  std::uint64_t min = 0, std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    return custom(name, default_text, meaning, field, size_value(expected, min, max));
  }
  template <class Field>
  static Row boolean(std::string_view name, std::string_view default_text, std::string_view meaning, Field field) {
    return custom(name, default_text, meaning, field, bool_value());
  }
  template <class Field>
  static Row integer(std::string_view name, std::string_view default_text, std::string_view meaning, Field field, std::int64_t min,
                     std::int64_t max) {
    return custom(name, default_text, meaning, field, integer_value(min, max));
  }
  template <class Field>
  static Row choice(std::string_view name, std::string_view default_text, std::string_view meaning, Field field,
                    std::vector<std::pair<std::string_view, FieldType<Field>>> words) {
    return custom(name, default_text, meaning, field, choice_value(std::move(words)));
  }
  template <class Field>
  static Row text(std::string_view name, std::string_view default_text, std::string_view meaning, Field field) {
    return custom(name, default_text, meaning, field, text_value());
  }
  template <class Field>
  static Row checked_text(std::string_view name, std::string_view default_text, std::string_view meaning, Field field,
                          std::function<bool(std::string_view)> valid, std::string_view expected) {
    return custom(name, default_text, meaning, field, checked_text_value(std::move(valid), expected));
  }
  template <class Field>
  static Row list(std::string_view name, std::string_view default_text, std::string_view meaning, Field field,
                  std::function<std::optional<typename FieldType<Field>::value_type>(std::string_view)> item, std::string_view expected,
                  std::string_view expected_when_empty = {}) {
    return custom(name, default_text, meaning, field, list_value(std::move(item), expected, expected_when_empty));
  }
};

// A field one level down: nested(&Settings::route_defaults, &RouteOptions::connect_timeout).
template <class Outer, class Inner, class T>
auto nested(Inner Outer::*outer, T Inner::*inner) {
  return [outer, inner](Outer& o) -> T& { return o.*outer.*inner; };
}

// Applies one row: the variable `prefix` + name when it is set, else the default.
template <class Config>
void apply_setting(const SettingRow<Config>& row, const EnvMap& env, Config& config, std::string_view prefix = {}) {
  auto full = [&](std::string_view name) {
    std::string out(prefix);
    out += name;
    return out;
  };
  if (!row.fallback_of.empty() && env.contains(full(row.fallback_of))) return;
  std::string variable = full(row.name);
  if (auto it = env.find(variable); it != env.end()) row.apply(config, variable, it->second);
  else if (row.computed_default) row.apply(config, variable, row.computed_default());
  else if (!row.seeded_default) row.apply(config, variable, row.default_text);
}

// Applies rows in order. `prefix` is "" for global rows and the route's
// prefix (route_variable_prefix) for route rows. Config is deduced from
// `config`, so a vector of rows converts to the span.
template <class Config>
void apply_settings(std::type_identity_t<std::span<const SettingRow<Config>>> rows, const EnvMap& env, Config& config,
                    std::string_view prefix = {}) {
  for (const auto& row : rows) apply_setting(row, env, config, prefix);
}

template <class Config>
SettingInfo doc_of(const SettingRow<Config>& row) {
  return SettingInfo{row.name, row.default_text, row.meaning};
}

template <class Config>
std::vector<SettingInfo> docs_of(std::span<const SettingRow<Config>> rows) {
  std::vector<SettingInfo> out;
  for (const auto& row : rows) out.push_back(doc_of(row));
  return out;
}

// ---- Template definitions ----

template <class T>
ValueParser<T> choice_value(std::vector<std::pair<std::string_view, T>> words) {
  std::vector<std::string_view> names;
  for (const auto& w : words) names.push_back(w.first);
  return [words = std::move(words), expected = words_or(names)](std::string_view text) -> T {
    for (const auto& [word, value] : words)
      if (iequals(word, text)) return value;
    throw BadValue(expected);
  };
}

template <class Item>
ValueParser<std::vector<Item>> list_value(std::function<std::optional<Item>(std::string_view)> item, std::string_view expected,
                                          std::string_view expected_when_empty) {
  return [item = std::move(item), expected = std::string(expected),
          when_empty = std::string(expected_when_empty)](std::string_view text) {
    std::vector<Item> out;
    for (auto piece : split_list(text)) {
      auto value = item(piece);
      if (!value) throw BadValue(expected);
      out.push_back(std::move(*value));
    }
    if (out.empty() && !when_empty.empty()) throw BadValue(when_empty);
    return out;
  };
}

}  // namespace gatehouse
