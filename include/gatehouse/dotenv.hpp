#pragma once
#include <map>
#include <string>
#include <string_view>

namespace gatehouse {

using EnvMap = std::map<std::string, std::string, std::less<>>;

// Parses the text of a .env file with the usual dotenv rules:
//  - blank lines and lines starting with '#' are ignored; `export ` is allowed;
//  - unquoted values are trimmed and end at ` #` (an inline comment);
//  - 'single quotes' are literal;
//  - "double quotes" understand \n \r \t \" \\ \$ and may span lines;
//  - ${NAME} in unquoted and double-quoted values expands from `outer`
//    (the real environment) first, then from names defined earlier in the file;
//  - nothing is ever executed: $(...) and backticks stay literal text.
// Throws ConfigError naming `source_name` and the line of a malformed entry.
EnvMap parse_dotenv(std::string_view text, const EnvMap& outer, std::string_view source_name = ".env");

// The process environment as a map.
EnvMap process_environment();

// Loads `path` if it exists and overlays the real environment, which wins.
EnvMap effective_environment(const std::string& path = ".env");

}  // namespace gatehouse
