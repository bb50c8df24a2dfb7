// An independent scorer for the Curtois-Qu benchmark (独立検算).
//
// Written straight from the rule definitions in the benchmark's README, deliberately simple and
// sharing no evaluation code with the engine: it reads the parsed BenchmarkInstance directly and
// never goes through toProblem() or the engine's cost model. The CLI's `evaluate` and the tests
// use it to check the objective the solver claims.
//
// Scoring: every staff rule and every day off is hard; each violated instance counts once (one
// per worked day off, per offending block, per shift type over its maximum, per forbidden pair,
// once for each of the minute and weekend limits). The objective sums the unmet on-request
// weights, the violated off-request weights, and WeightUnder x shortfall + WeightOver x excess
// per cover row. Blocks touching the first or last day are exempt from the minimum consecutive
// rules; a weekend (day index 5 or 6 mod 7) is worked if either day is.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sukusuku/shifts/benchmark_format.h"

namespace sukusuku::shifts {

struct CheckResult {
  int64_t objective = 0;
  int hardViolations = 0;
  std::vector<std::string> findings;  // one line per hard violation or soft penalty
};

// `roster` must have one row per staff member and `instance.horizon` days.
CheckResult checkBenchmarkRoster(const BenchmarkInstance& instance, const Roster& roster);

}  // namespace sukusuku::shifts
