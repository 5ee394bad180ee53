#include "gatehouse/fields.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

#include "gatehouse/values.hpp"

namespace gatehouse {

Fields::const_iterator Fields::find(std::string_view name) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (is_named(entries_[i], name)) return {this, i};
  return end();
}

std::string_view Fields::operator[](std::string_view name) const {
  auto it = find(name);
  return it == end() ? std::string_view{} : it->value;
}

std::size_t Fields::count(std::string_view name) const {
  std::size_t n = 0;
  for (const Entry& e : entries_) n += is_named(e, name);
  return n;
}

std::size_t Fields::offset_in_buffer(std::string_view text) const {
  const char* base = text_.data();
  if (text.empty() || text.data() < base || text.data() >= base + text_.size()) return std::string::npos;
  return static_cast<std::size_t>(text.data() - base);
}

std::uint32_t Fields::append_text(std::string_view text) {
  if (text_.size() + text.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("header fields larger than 4 GiB");
  auto at = static_cast<std::uint32_t>(text_.size());
  // A view into this buffer is appended by position, which stays valid if the buffer moves.
  if (std::size_t from = offset_in_buffer(text); from != std::string::npos) text_.append(text_, from, text.size());
  else text_.append(text);
  return at;
}

void Fields::insert(std::string_view name, std::string_view value) {
  if (entries_.capacity() == 0) entries_.reserve(16);
  if (text_.size() + name.size() + value.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("header fields larger than 4 GiB");
  auto at = static_cast<std::uint32_t>(text_.size());
  Entry e{at, static_cast<std::uint32_t>(at + name.size()), static_cast<std::uint32_t>(value.size()),
          static_cast<std::uint32_t>(name.size())};
  std::size_t name_from = offset_in_buffer(name), value_from = offset_in_buffer(value);
  if (name_from == std::string::npos && value_from == std::string::npos) {
    text_.append(name).append(value);  // the common case: text from elsewhere
  } else {
    // Positions of views into this buffer are taken before anything is
    // appended: the first append may move the buffer under the second view.
    if (name_from != std::string::npos) text_.append(text_, name_from, name.size());
    else text_.append(name);
    if (value_from != std::string::npos) text_.append(text_, value_from, value.size());
    else text_.append(value);
  }
  entries_.push_back(e);
}

void Fields::set(std::string_view name, std::string_view value) {
  // One walk: the first line of that name stays where it is, the others go.
  const std::size_t none = entries_.size();
  std::size_t first = none, kept = 0;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (is_named(entries_[i], name)) {
      if (first != none) continue;
      first = kept;
    }
    entries_[kept++] = entries_[i];
  }
  if (first == none) return insert(name, value);
  entries_.resize(kept);
  Entry& e = entries_[first];
  if (value.size() <= e.value_size && offset_in_buffer(value) == std::string::npos) {
    if (!value.empty()) std::memmove(text_.data() + e.value_at, value.data(), value.size());
  } else {
    e.value_at = append_text(value);
  }
  e.value_size = static_cast<std::uint32_t>(value.size());
}

std::size_t Fields::erase(std::string_view name) {
  return erase_if([&](const Field& f) { return iequals_ascii(f.name, name); });
}

void Fields::parse_checked_lines(std::string_view lines) {
  if (entries_.capacity() == 0) entries_.reserve(16);
  std::uint32_t base = append_text(lines);
  std::string_view text(text_.data() + base, lines.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    auto colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0) {
      std::string_view value = trim(line.substr(colon + 1));  // OWS (RFC 9110 §5.6.3)
      Entry e{};
      e.name_at = static_cast<std::uint32_t>(base + pos);
      e.name_size = static_cast<std::uint32_t>(colon);
      e.value_at = static_cast<std::uint32_t>(value.data() - text_.data());
      e.value_size = static_cast<std::uint32_t>(value.size());
      entries_.push_back(e);
    }
    pos = eol + 2;
  }
}

void Fields::adopt_scanned(std::string_view lines) {
  std::uint32_t base = append_text(lines);
  for (Entry& e : entries_) {
    e.name_at += base;
    e.value_at += base;
  }
}

std::size_t Fields::wire_size() const {
  std::size_t n = 2;  // the empty line
  for (const Entry& e : entries_) n += e.name_size + 2u + e.value_size + 2u;
  return n;
}

}  // namespace gatehouse
