#pragma once
// The header fields of one message, kept flat.
#include <ostream>  // Beast 1.81's headers use it without including it

#include <boost/beast/http/field.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gatehouse {

namespace http = boost::beast::http;

// ASCII case-insensitive equality of field names and tokens.
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](unsigned char c) { return static_cast<unsigned>(c - 'A') < 26u ? c + 32u : c; };
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x != y && lower(x) != lower(y)) return false;
  }
  return true;
}

// A message's header fields in the order they arrived (or were added). The
// names and values live in one text buffer; a field is two offsets and two
// sizes into it. This replaces Beast's basic_fields on the hot path, which
// allocated a node per field and walked a case-insensitive tree at every
// lookup (a proxied request cost about 25 allocations and 2,500 instructions
// of name comparisons alone).
//
// A message head holds a dozen fields: lookups are linear scans that compare
// the length first. Edits append their text; text that an edit replaced stays
// in the buffer, unused, until clear(). The buffers keep their capacity
// across clear(), so an owner that serves many messages stops allocating.
class Fields {
 public:
  struct Field {
    std::string_view name;
    std::string_view value;
  };

  class const_iterator {
   public:
    const_iterator(const Fields* owner, std::size_t index) : owner_(owner), index_(index) {}
    Field operator*() const { return owner_->at(index_); }
    // operator-> through a value that lives as long as the expression.
    struct Arrow {
      Field f;
      const Field* operator->() const { return &f; }
    };
    Arrow operator->() const { return {**this}; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const const_iterator& o) const { return index_ == o.index_; }

   private:
    const Fields* owner_;
    std::size_t index_;
  };

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  Field at(std::size_t i) const {
    const Entry& e = entries_[i];
    return {{text_.data() + e.name_at, e.name_size}, {text_.data() + e.value_at, e.value_size}};
  }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, entries_.size()}; }

  // The first field of that name, or end().
  const_iterator find(std::string_view name) const;
  const_iterator find(http::field name) const { return find(http::to_string(name)); }
  // The first value of that name; empty when there is none.
  std::string_view operator[](std::string_view name) const;
  std::string_view operator[](http::field name) const { return (*this)[http::to_string(name)]; }
  std::size_t count(std::string_view name) const;
  std::size_t count(http::field name) const { return count(http::to_string(name)); }
  bool contains(std::string_view name) const { return find(name) != end(); }
  bool contains(http::field name) const { return find(name) != end(); }

  // Calls f(value) for every field of that name, in order.
  template <class F>
  void for_each_value(std::string_view name, F&& f) const {
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (is_named(entries_[i], name)) f(at(i).value);
  }

  // Adds a field after all others.
  void insert(std::string_view name, std::string_view value);
  void insert(http::field name, std::string_view value) { insert(http::to_string(name), value); }
  // Replaces every field of that name by one with `value`, where the first of them stood (else at the end).
  void set(std::string_view name, std::string_view value);
  void set(http::field name, std::string_view value) { set(http::to_string(name), value); }
  // Removes every field of that name; returns how many there were.
  std::size_t erase(std::string_view name);
  std::size_t erase(http::field name) { return erase(http::to_string(name)); }
  // Removes every field for which remove(field) is true, in one pass.
  template <class Pred>
  std::size_t erase_if(Pred&& remove) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < entries_.size(); ++i)
      if (!remove(at(i))) entries_[kept++] = entries_[i];
    std::size_t removed = entries_.size() - kept;
    entries_.resize(kept);
    return removed;
  }
  void clear() {
    text_.clear();
    entries_.clear();
  }

  // Parses field lines already checked by the gateway's head scanner
  // ("name:" OWS value OWS CRLF each, without the empty line that ends a
  // head), copying them into this object in one piece.
  void parse_checked_lines(std::string_view lines);

  // One pass for a head scanner that checks each field line as it finds it
  // (scan_response_head): note_scanned() records a checked field by its place
  // relative to `origin`, where the field lines start, before they are
  // copied; adopt_scanned(lines), with lines.data() == origin, copies them in
  // one piece and points the noted fields into the copy. Both are used on
  // empty Fields, and nothing reads the fields in between.
  void note_scanned(const char* origin, std::string_view name, std::string_view value) {
    entries_.push_back({static_cast<std::uint32_t>(name.data() - origin), static_cast<std::uint32_t>(value.data() - origin),
                        static_cast<std::uint32_t>(value.size()), static_cast<std::uint32_t>(name.size())});
  }
  void adopt_scanned(std::string_view lines);

  // The bytes the fields take on the wire, for a writer that sizes its buffer.
  std::size_t wire_size() const;

 private:
  struct Entry {
    std::uint32_t name_at;
    std::uint32_t value_at;
    std::uint32_t value_size;
    std::uint32_t name_size;
  };
  bool is_named(const Entry& e, std::string_view name) const {
    return e.name_size == name.size() && iequals_ascii({text_.data() + e.name_at, e.name_size}, name);
  }
  // Appends text and returns where it starts (text may point into this buffer).
  std::uint32_t append_text(std::string_view text);
  // Where `text` starts in this buffer, or npos when it lies elsewhere.
  std::size_t offset_in_buffer(std::string_view text) const;

  std::string text_;
  std::vector<Entry> entries_;
};

}  // namespace gatehouse
