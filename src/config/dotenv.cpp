#include "gatehouse/dotenv.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "gatehouse/config_error.hpp"

extern char** environ;

namespace gatehouse {
namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '.'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

class DotenvParser {
 public:
  DotenvParser(std::string_view text, const EnvMap& outer, std::string_view source)
      : text_(text), outer_(outer), source_(source) {}

  EnvMap parse() {
    while (pos_ < text_.size()) parse_line();
    return result_;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError(std::string(source_) + ":" + std::to_string(line_) + ": " + what);
  }

  void skip_blanks() {
    while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
  }

  bool at_line_end() const { return pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r'; }

  void finish_line() {
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '#') {
      while (!at_line_end()) ++pos_;
    }
    if (!at_line_end()) fail("unexpected text after the value");
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
    ++line_;
  }

  void parse_line() {
    skip_blanks();
    if (at_line_end() || text_[pos_] == '#') {
      while (!at_line_end()) ++pos_;
      finish_line();
      return;
    }
    std::string name = read_name();
    if (name == "export" && pos_ < text_.size() && is_blank(text_[pos_])) {
      skip_blanks();
      name = read_name();
    }
    skip_blanks();
    if (pos_ >= text_.size() || text_[pos_] != '=') fail("expected NAME=value, found no '=' after " + name);
    ++pos_;
    skip_blanks();
    std::string value;
    if (pos_ < text_.size() && text_[pos_] == '\'') {
      value = read_single_quoted();
    } else if (pos_ < text_.size() && text_[pos_] == '"') {
      value = read_double_quoted();
    } else {
      value = read_unquoted();
    }
    result_[name] = std::move(value);
    finish_line();
  }

  std::string read_name() {
    std::size_t start = pos_;
    if (pos_ >= text_.size() || !is_name_start(text_[pos_])) fail("expected a variable name");
    while (pos_ < text_.size() && is_name_char(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string read_single_quoted() {
    std::size_t start = ++pos_;
    std::size_t end = text_.find('\'', start);
    if (end == std::string_view::npos) fail("unterminated single quote");
    count_newlines(start, end);
    pos_ = end + 1;
    return std::string(text_.substr(start, end - start));
  }

  std::string read_double_quoted() {
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated double quote");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        char e = text_[pos_ + 1];
        pos_ += 2;
        switch (e) {
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '$': out += '$'; break;
          default: out += '\\'; out += e; break;
        }
        continue;
      }
      if (c == '$' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        out += read_expansion();
        continue;
      }
      if (c == '\n') ++line_;
      out += c;
      ++pos_;
    }
  }

  std::string read_unquoted() {
    std::string out;
    while (!at_line_end()) {
      char c = text_[pos_];
      // An inline comment starts at '#' preceded by white space.
      if (c == '#' && (out.empty() || is_blank(out.back()))) break;
      if (c == '$' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        out += read_expansion();
        continue;
      }
      out += c;
      ++pos_;
    }
    while (!out.empty() && is_blank(out.back())) out.pop_back();
    return out;
  }

  // At "${": reads ${NAME} and returns its value ("" when unset).
  std::string read_expansion() {
    std::size_t close = text_.find('}', pos_ + 2);
    if (close == std::string_view::npos) fail("unterminated ${ in value");
    std::string_view name = text_.substr(pos_ + 2, close - pos_ - 2);
    if (name.empty() || !is_name_start(name.front())) fail("bad variable name in ${" + std::string(name) + "}");
    for (char c : name)
      if (!is_name_char(c)) fail("bad variable name in ${" + std::string(name) + "}");
    pos_ = close + 1;
    if (auto it = outer_.find(name); it != outer_.end()) return it->second;
    if (auto it = result_.find(name); it != result_.end()) return it->second;
    return {};
  }

  void count_newlines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
      if (text_[i] == '\n') ++line_;
  }

  std::string_view text_;
  const EnvMap& outer_;
  std::string_view source_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  EnvMap result_;
};

}  // namespace

EnvMap parse_dotenv(std::string_view text, const EnvMap& outer, std::string_view source_name) {
  return DotenvParser(text, outer, source_name).parse();
}

EnvMap process_environment() {
  EnvMap env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

namespace {
// The file's text; nullopt when there is no such file. A file that exists but
// cannot be read is an error: its settings must not be silently ignored.
std::optional<std::string> read_env_file(const std::string& path) {
  // O_NONBLOCK: a FIFO named .env must not hang start-up; only a regular file is read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw ConfigError(path + ": cannot be read (" + std::strerror(errno) + ")");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw ConfigError(path + ": cannot be read (" + (S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file") + ")");
  }
  std::string text;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      throw ConfigError(path + ": cannot be read (" + std::strerror(err) + ")");
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}
}  // namespace

EnvMap effective_environment(const std::string& path) {
  EnvMap real = process_environment();
  auto text = read_env_file(path);
  if (!text) return real;
  EnvMap merged = parse_dotenv(*text, real, path);
  for (auto& [name, value] : real) merged[name] = value;  // the real environment wins
  return merged;
}

}  // namespace gatehouse
