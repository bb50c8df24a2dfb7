// Method + path-template routing.
//
// Templates are '/'-separated segments; a segment "{name}" captures one segment, a final
// "{*name}" captures the rest of the path (for static files). A literal segment wins over a
// capture at the same depth. Registering the same method and template twice, or a template that
// differs only in parameter names from another, throws std::logic_error: two plugins must never
// silently shadow each other.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sukusuku/http.h"

namespace sukusuku {

class Router {
 public:
  Router();
  ~Router();

  void add(Route route);

  struct Match {
    const Route* route = nullptr;                    // null: no route for this method
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed_methods;        // when the path exists for other methods
  };
  // route == null && allowed_methods empty -> 404; route == null && !empty -> 405.
  Match match(const std::string& method, const std::string& path) const;

  // Every route, in registration order.
  std::vector<const Route*> routes() const;

  struct Node;  // the path trie; defined in router.cc

 private:
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace sukusuku
