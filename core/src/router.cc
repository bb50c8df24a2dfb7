#include "sukusuku/router.h"

#include <stdexcept>

namespace sukusuku {

struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>> literals;
  std::unique_ptr<Node> param;  // "{name}"
  std::string param_name;
  std::string rest_name;                               // "{*name}" ends here
  std::map<std::string, const Route*> rest_routes;     // method -> "{*name}" route
  std::map<std::string, const Route*> routes;  // method -> route ending at this node
};

namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool isCapture(const std::string& s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

void Router::add(Route route) {
  if (route.permission.empty()) {
    throw std::logic_error("route " + route.method + " " + route.pattern +
                           " declares no permission");
  }
  if (route.pattern.empty() || route.pattern[0] != '/') {
    throw std::logic_error("route pattern must start with '/': " + route.pattern);
  }
  auto segments = splitPath(route.pattern);
  Node* node = root_.get();
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    if (isCapture(seg) && seg[1] == '*') {
      if (i + 1 != segments.size()) {
        throw std::logic_error("{*rest} must be the last segment: " + route.pattern);
      }
      std::string name = seg.substr(2, seg.size() - 3);
      if (node->rest_routes.count(route.method)) {
        throw std::logic_error("route registered twice: " + route.method + " " + route.pattern);
      }
      routes_.push_back(std::make_unique<Route>(std::move(route)));
      node->rest_name = name;
      node->rest_routes[routes_.back()->method] = routes_.back().get();
      return;
    }
    if (isCapture(seg)) {
      std::string name = seg.substr(1, seg.size() - 2);
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = name;
      } else if (node->param_name != name) {
        throw std::logic_error("route " + route.pattern + " names parameter '" + name +
                               "' where another route names it '" + node->param_name + "'");
      }
      node = node->param.get();
    } else {
      auto& child = node->literals[seg];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
  }
  if (node->routes.count(route.method)) {
    throw std::logic_error("route registered twice: " + route.method + " " + route.pattern);
  }
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  node->routes[routes_.back()->method] = routes_.back().get();
}

namespace {

// Depth-first: literals before captures, so "/a/new" beats "/a/{id}".
const Router::Node* walk(const Router::Node* node, const std::vector<std::string>& segs, size_t i,
                         std::map<std::string, std::string>& params) {
  if (i == segs.size()) return node->routes.empty() ? nullptr : node;
  auto lit = node->literals.find(segs[i]);
  if (lit != node->literals.end()) {
    if (auto* found = walk(lit->second.get(), segs, i + 1, params)) return found;
  }
  if (node->param) {
    params[node->param_name] = segs[i];
    if (auto* found = walk(node->param.get(), segs, i + 1, params)) return found;
    params.erase(node->param_name);
  }
  return nullptr;
}

}  // namespace

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match m;
  auto segs = splitPath(path);
  std::map<std::string, std::string> params;
  const Node* node = walk(root_.get(), segs, 0, params);
  const std::map<std::string, const Route*>* candidates = nullptr;
  if (node) {
    candidates = &node->routes;
  } else {
    // The deepest "{*rest}" along the literal path.
    const Node* cur = root_.get();
    const Node* best = nullptr;
    size_t best_depth = 0;
    for (size_t i = 0; cur; ++i) {
      if (!cur->rest_routes.empty() && i < segs.size()) {
        best = cur;
        best_depth = i;
      }
      if (i >= segs.size()) break;
      auto it = cur->literals.find(segs[i]);
      cur = it == cur->literals.end() ? nullptr : it->second.get();
    }
    if (best) {
      std::string rest;
      for (size_t i = best_depth; i < segs.size(); ++i) {
        if (!rest.empty()) rest += '/';
        rest += segs[i];
      }
      params.clear();
      params[best->rest_name] = rest;
      candidates = &best->rest_routes;
    }
  }
  if (!candidates) return m;
  auto it = candidates->find(method);
  if (it == candidates->end() && method == "HEAD") it = candidates->find("GET");
  if (it != candidates->end()) {
    m.route = it->second;
    m.params = std::move(params);
    return m;
  }
  for (const auto& [meth, route] : *candidates) m.allowed_methods.push_back(meth);
  return m;
}

std::vector<const Route*> Router::routes() const {
  std::vector<const Route*> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_) out.push_back(r.get());
  return out;
}

}  // namespace sukusuku
