// sukusuku-roster: solve or score Curtois-Qu benchmark instances from the command line.
//
//   sukusuku-roster solve INSTANCE.txt --time-limit SECONDS [--seed N] [--threads N]
//                   [--iterations N] --out ROSTER.csv
//   sukusuku-roster evaluate INSTANCE.txt ROSTER.csv [--verbose]
//
// Both print, as their last line, "objective=N hard_violations=M". `solve` reports the engine's
// score and, on stderr, warns if the independent checker disagrees; `evaluate` scores with the
// independent checker only. Exit codes: 0 success, 1 bad usage or I/O failure, 2 malformed
// instance or roster file (the message names the line), 3 solver/checker disagreement.
// --threads defaults to the machine's cores (the search uses all of them, as the benchmark asks).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "benchmark_checker.h"
#include "sukusuku/shifts/benchmark_format.h"
#include "sukusuku/shifts/solver.h"

namespace {

using sukusuku::shifts::RosterError;

constexpr int kExitUsage = 1;
constexpr int kExitMalformed = 2;
constexpr int kExitMismatch = 3;

int usage() {
  std::cerr << "usage:\n"
               "  sukusuku-roster solve INSTANCE.txt --time-limit SECONDS [--seed N] [--threads N]"
               " [--iterations N] --out ROSTER.csv\n"
               "    (--threads defaults to the machine's cores, --seed to 1)\n"
               "  sukusuku-roster evaluate INSTANCE.txt ROSTER.csv [--verbose]\n";
  return kExitUsage;
}

bool parseNumber(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0' && out >= 0;
}

// Loads an instance, naming the file in any error.
sukusuku::shifts::BenchmarkInstance load(const std::string& path) {
  try {
    return sukusuku::shifts::loadBenchmark(path);
  } catch (const RosterError& e) {
    if (e.code() != "shifts.parse_error") throw;
    throw RosterError(e.code(), path + ": " + e.what(), e.line());
  }
}

int solveCommand(const std::vector<std::string>& args) {
  std::string instancePath, outPath;
  sukusuku::shifts::SolveOptions options;
  options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool timeGiven = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](double& out) {
      if (i + 1 >= args.size() || !parseNumber(args[i + 1], out)) return false;
      ++i;
      return true;
    };
    double number = 0;
    if (a == "--time-limit") {
      if (!value(options.timeLimitSeconds)) return usage();
      timeGiven = true;
    } else if (a == "--seed") {
      if (!value(number)) return usage();
      options.seed = static_cast<uint64_t>(number);
    } else if (a == "--threads") {
      if (!value(number) || number < 1) return usage();
      options.threads = static_cast<int>(number);
    } else if (a == "--iterations") {
      if (!value(number)) return usage();
      options.maxIterations = static_cast<int64_t>(number);
    } else if (a == "--out") {
      if (i + 1 >= args.size()) return usage();
      outPath = args[++i];
    } else if (instancePath.empty() && a.rfind("--", 0) != 0) {
      instancePath = a;
    } else {
      return usage();
    }
  }
  if (instancePath.empty() || outPath.empty() || !timeGiven) return usage();

  const auto instance = load(instancePath);
  const auto problem = sukusuku::shifts::toProblem(instance);
  const auto result = sukusuku::shifts::solve(problem, options);

  std::ofstream out(outPath);
  sukusuku::shifts::writeRosterCsv(out, instance, result.roster);
  out.close();
  if (!out) {
    std::cerr << "cannot write " << outPath << "\n";
    return kExitUsage;
  }
  const auto check = sukusuku::shifts::checkBenchmarkRoster(instance, result.roster);
  std::cout << "iterations=" << result.iterations << " seconds=" << result.seconds << "\n";
  if (check.objective != result.report.objective ||
      check.hardViolations != result.report.hardViolations) {
    std::cerr << "error: independent checker disagrees: objective=" << check.objective
              << " hard_violations=" << check.hardViolations << "\n";
    std::cout << "objective=" << result.report.objective
              << " hard_violations=" << result.report.hardViolations << std::endl;
    return kExitMismatch;
  }
  std::cout << "objective=" << result.report.objective
            << " hard_violations=" << result.report.hardViolations << std::endl;
  return 0;
}

int evaluateCommand(const std::vector<std::string>& args) {
  std::vector<std::string> paths;
  bool verbose = false;
  for (const std::string& a : args) {
    if (a == "--verbose") {
      verbose = true;
    } else {
      paths.push_back(a);
    }
  }
  if (paths.size() != 2) return usage();
  const auto instance = load(paths[0]);
  std::ifstream in(paths[1]);
  if (!in) throw RosterError("shifts.io_error", "cannot read " + paths[1]);
  sukusuku::shifts::Roster roster;
  try {
    roster = sukusuku::shifts::readRosterCsv(in, instance);
  } catch (const RosterError& e) {
    throw RosterError(e.code(), paths[1] + ": " + e.what(), e.line());
  }
  const auto check = sukusuku::shifts::checkBenchmarkRoster(instance, roster);
  for (const std::string& line : check.findings)
    if (verbose || line.rfind("HARD", 0) == 0) std::cout << line << "\n";
  std::cout << "objective=" << check.objective << " hard_violations=" << check.hardViolations
            << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "solve") return solveCommand(args);
    if (command == "evaluate") return evaluateCommand(args);
    return usage();
  } catch (const RosterError& e) {
    std::cerr << "error: " << e.what() << " [" << e.code() << "]\n";
    return e.code() == "shifts.parse_error" ? kExitMalformed : kExitUsage;
  }
}
