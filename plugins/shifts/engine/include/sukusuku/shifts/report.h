// Scoring a roster against its Problem: the objective, the hard violations, and a line per
// violation or shortfall so a planner (or a test) can see exactly what a roster gives up.
//
// The objective is the sum of the penalties of the soft violations. Hard violations carry
// penalty 0 and are counted in hardViolations; a roster is feasible when that count is 0.
// Counting is per rule instance: one line per worked day off, per too-short block, per cover
// requirement short, per (employee, shift type) over its maximum, and so on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sukusuku/shifts/model.h"

namespace sukusuku::shifts {

struct Violation {
  Rule rule = Rule::kCount;
  bool hard = false;
  int employee = -1;  // -1 for cover rules
  int day = -1;       // first day concerned; -1 when the rule is about the whole horizon
  int shift = -1;     // shift type concerned, -1 if none
  int point = -1;     // cover point, cover rules only
  int amount = 0;     // in the rule's unit: days, shifts, minutes, weekends, employees, cells
  int64_t penalty = 0;
  int fairness = -1;  // index into Problem::fairness, Rule::kFairness only
};

struct Report {
  int64_t objective = 0;
  int hardViolations = 0;
  std::vector<Violation> violations;  // employee rules first (by employee), then cover
};

// Scores `roster` against `problem`. The roster must have the problem's shape (checked; throws
// RosterError "shifts.invalid_roster" otherwise). Pure function; thread-safe.
Report evaluate(const Problem& problem, const Roster& roster);

// One human-readable line, e.g. "min_total_minutes employee=B amount=480 hard".
std::string describe(const Problem& problem, const Violation& violation);

}  // namespace sukusuku::shifts
