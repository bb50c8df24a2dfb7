// Command-line subcommands contributed by plugins: `sukusuku <plugin> <verb> [args…]`.
//
// A command prints a summary to `out`, problems to `err`, and returns the process exit code:
// 0 for success, 2 for bad input (with a clear message), 1 for anything else. `--help` is
// answered by the host from `usage`.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace sukusuku {

struct CliCommand {
  std::string verb;     // "bill"
  std::string summary;  // one line for `sukusuku <plugin> --help`
  std::string usage;    // flags and arguments, several lines
  std::function<int(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)>
      run;
};

}  // namespace sukusuku
