#include "observe_config.hpp"

#include <unistd.h>

#include "gatehouse/http_grammar.hpp"

namespace gatehouse {
namespace {

using R = SettingRows<ObserveConfig>;

// The name this host gives itself: the default received-by in Via.
std::string system_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "gatehouse";
  return name;
}

}  // namespace

std::span<const SettingRow<ObserveConfig>> observe_rows() {
  static const std::vector<SettingRow<ObserveConfig>> rows{
      R::list("GATEHOUSE_TRUSTED_PROXIES", "(none)", "Comma-separated CIDRs whose X-Forwarded-* headers are trusted and extended.",
              &ObserveConfig::trusted_proxies, Cidr::parse, "comma-separated addresses or CIDRs such as 10.0.0.0/8,::1")
          .computed(no_text),
      // received-by = pseudonym [":" port]; a pseudonym is a token (RFC 9110 §7.6.3).
      R::checked_text("GATEHOUSE_VIA_NAME", "the host name",
                      "This gateway's name in Via; a request whose Via already holds it is a loop (508).", &ObserveConfig::via_name,
                      [](std::string_view t) { return is_token(t); }, "a name of letters, digits and -._ such as gw-1.example.com")
          .computed(system_host_name),
  };
  return rows;
}

ObserveConfig load_observe_config(const EnvMap& env) {
  ObserveConfig c;
  apply_settings(observe_rows(), env, c);
  return c;
}

}  // namespace gatehouse
