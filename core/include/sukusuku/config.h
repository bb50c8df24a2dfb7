// Configuration: one properties file plus environment overrides, every key documented.
//
// A key "http.port" is looked up, in order, in the environment variable named after it
// (SUKUSUKU_HTTP_PORT: upper case, '.' and '-' become '_'), then in the configuration file, then
// in the documented default. Every key, the core's and each plugin's, is declared once with
// its default and a line of help (`sukusuku config` prints them all with their effective values),
// and reading an undeclared key is a programming error that throws.
//
// Thread-safe for reads once start-up has declared the keys.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sukusuku {

struct ConfigKey {
  std::string name;           // "http.port"
  std::string default_value;  // as text; "" for none
  std::string help;           // one line
  std::string owner;          // "core" or the plugin's name
};

class Config {
 public:
  // Values from a properties file ("key = value" lines, '#' comments); may be empty.
  explicit Config(std::map<std::string, std::string> file_values = {});
  // Reads FILE (Poco properties format). Throws Error("config.unreadable") if it cannot.
  static std::unique_ptr<Config> fromFile(const std::string& path);

  // Declares a key. Declaring the same name twice with a different default throws.
  void declare(ConfigKey key);
  std::vector<ConfigKey> keys() const;

  // Sets a value with the highest precedence (command-line flags, tests).
  void set(const std::string& name, const std::string& value);

  std::string getString(const std::string& name) const;
  int64_t getInt(const std::string& name) const;  // throws Error("config.invalid") if not a number
  bool getBool(const std::string& name) const;    // true/false/yes/no/on/off/1/0
  double getDouble(const std::string& name) const;
  std::vector<std::string> getList(const std::string& name) const;  // comma-separated, trimmed
  // Where the effective value came from: "override", "env SUKUSUKU_…", "file", "default".
  std::string sourceOf(const std::string& name) const;

  static std::string envName(const std::string& key);

 private:
  std::optional<std::string> lookup(const std::string& name, std::string* source) const;

  mutable std::mutex mu_;
  std::map<std::string, std::string> file_values_;
  std::map<std::string, std::string> overrides_;
  std::map<std::string, ConfigKey> keys_;
};

}  // namespace sukusuku
