#pragma once
#include <stdexcept>
#include <string>

namespace gatehouse {

// A setting that cannot be used. The message is the single line printed
// before start-up stops: it names the variable, the value and what was expected.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gatehouse
