#include "sukusuku/config.h"

#include <cstdlib>
#include <fstream>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include "sukusuku/error.h"

namespace sukusuku {

Config::Config(std::map<std::string, std::string> file_values)
    : file_values_(std::move(file_values)) {}

std::unique_ptr<Config> Config::fromFile(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) {
    throw Error(500, "config.unreadable", "cannot read configuration file " + path);
  }
  std::map<std::string, std::string> values;
  try {
    Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> props(
        new Poco::Util::PropertyFileConfiguration(path));
    std::vector<std::string> stack = {""};
    while (!stack.empty()) {
      std::string prefix = stack.back();
      stack.pop_back();
      Poco::Util::AbstractConfiguration::Keys keys;
      props->keys(prefix, keys);
      for (const auto& k : keys) {
        std::string full = prefix.empty() ? k : prefix + "." + k;
        if (props->hasOption(full)) values[full] = props->getRawString(full);
        stack.push_back(full);
      }
    }
  } catch (const Poco::Exception& e) {
    throw Error(500, "config.unreadable", "cannot read " + path + ": " + e.displayText());
  }
  return std::make_unique<Config>(std::move(values));
}

void Config::declare(ConfigKey key) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(key.name);
  if (it != keys_.end()) {
    if (it->second.default_value != key.default_value) {
      throw std::logic_error("config key " + key.name + " declared twice with different defaults");
    }
    return;
  }
  keys_[key.name] = std::move(key);
}

std::vector<ConfigKey> Config::keys() const {
  std::lock_guard lock(mu_);
  std::vector<ConfigKey> out;
  for (const auto& [name, key] : keys_) out.push_back(key);
  return out;
}

void Config::set(const std::string& name, const std::string& value) {
  std::lock_guard lock(mu_);
  overrides_[name] = value;
}

std::string Config::envName(const std::string& key) {
  std::string out = "SUKUSUKU_";
  for (char c : key) {
    if (c == '.' || c == '-') {
      out += '_';
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::optional<std::string> Config::lookup(const std::string& name, std::string* source) const {
  std::lock_guard lock(mu_);
  auto key = keys_.find(name);
  if (key == keys_.end()) throw std::logic_error("undeclared configuration key: " + name);
  if (auto it = overrides_.find(name); it != overrides_.end()) {
    if (source) *source = "override";
    return it->second;
  }
  std::string env = envName(name);
  if (const char* v = std::getenv(env.c_str())) {
    if (source) *source = "env " + env;
    return std::string(v);
  }
  if (auto it = file_values_.find(name); it != file_values_.end()) {
    if (source) *source = "file";
    return it->second;
  }
  if (source) *source = "default";
  return key->second.default_value;
}

std::string Config::getString(const std::string& name) const { return *lookup(name, nullptr); }

int64_t Config::getInt(const std::string& name) const {
  std::string v = Poco::trim(getString(name));
  try {
    size_t used = 0;
    int64_t n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    throw Error(500, "config.invalid", name + " must be a whole number, not '" + v + "'");
  }
}

double Config::getDouble(const std::string& name) const {
  std::string v = Poco::trim(getString(name));
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return d;
  } catch (const std::exception&) {
    throw Error(500, "config.invalid", name + " must be a number, not '" + v + "'");
  }
}

bool Config::getBool(const std::string& name) const {
  std::string v = Poco::toLower(Poco::trim(getString(name)));
  if (v == "true" || v == "yes" || v == "on" || v == "1") return true;
  if (v == "false" || v == "no" || v == "off" || v == "0" || v.empty()) return false;
  throw Error(500, "config.invalid", name + " must be true or false, not '" + v + "'");
}

std::vector<std::string> Config::getList(const std::string& name) const {
  std::vector<std::string> out;
  std::string v = getString(name);
  size_t i = 0;
  while (i <= v.size()) {
    size_t comma = v.find(',', i);
    if (comma == std::string::npos) comma = v.size();
    std::string item = Poco::trim(v.substr(i, comma - i));
    if (!item.empty()) out.push_back(item);
    i = comma + 1;
  }
  return out;
}

std::string Config::sourceOf(const std::string& name) const {
  std::string source;
  lookup(name, &source);
  return source;
}

}  // namespace sukusuku
