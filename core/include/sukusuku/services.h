// Services that one part of the system offers to others, by name.
//
// Interfaces live in core/include/sukusuku/services/ so that a plugin never includes another
// plugin's headers. A provider registers `provide<Interface>("messaging.planned_attendance", p)`
// in init(); a consumer asks `find<Interface>(…)` in start() (all providers have run init() by
// then) and copes with null when the provider is not enabled.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <typeinfo>

namespace sukusuku {

class ServiceRegistry {
 public:
  template <class T>
  void provide(const std::string& name, std::shared_ptr<T> service) {
    std::lock_guard lock(mu_);
    if (services_.count(name)) throw std::logic_error("service provided twice: " + name);
    services_[name] = {std::static_pointer_cast<void>(std::move(service)), typeid(T).name()};
  }

  // Null when nobody provides NAME. Throws std::logic_error when it is provided as another type.
  template <class T>
  std::shared_ptr<T> find(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = services_.find(name);
    if (it == services_.end()) return nullptr;
    if (it->second.type != typeid(T).name()) {
      throw std::logic_error("service " + name + " is a " + it->second.type);
    }
    return std::static_pointer_cast<T>(it->second.ptr);
  }

 private:
  struct Entry {
    std::shared_ptr<void> ptr;
    std::string type;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> services_;
};

}  // namespace sukusuku
