// The Curtois-Qu shift scheduling benchmark text format (schedulingbenchmarks.org/nrp) and the
// roster CSV the CLI writes.
//
// parseBenchmark() reads the file into BenchmarkInstance, a plain mirror of its sections with
// references resolved to indexes; nothing is interpreted. toProblem() then maps it onto the
// generic model: one cover point per shift type (each shift counts towards its own point), all
// staff rules and days off hard, requests and cover soft with the file's weights. The
// independent checker scores a BenchmarkInstance directly, so it never sees the mapping.
//
// Errors: RosterError with code "shifts.parse_error" and line() set to the 1-based line of the
// offending input line (0 when the problem is the file as a whole, e.g. a missing section).
// The message starts with "line N: ".
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "sukusuku/shifts/model.h"

namespace sukusuku::shifts {

struct BenchmarkInstance {
  struct Shift {
    std::string id;
    int minutes = 0;
    std::vector<int> cannotFollow;  // shifts that may not be worked the day after this one
  };
  struct Staff {
    std::string id;
    std::vector<int> maxShifts;  // per shift type; a type the file does not list is 0
    int maxTotalMinutes = 0;
    int minTotalMinutes = 0;
    int maxConsecutiveShifts = 0;
    int minConsecutiveShifts = 0;
    int minConsecutiveDaysOff = 0;
    int maxWeekends = 0;
    std::vector<int> daysOff;
  };
  struct Request {
    int employee = 0;
    int day = 0;
    int shift = 0;
    int weight = 0;
  };
  struct Cover {
    int day = 0;
    int shift = 0;
    int requirement = 0;
    int weightUnder = 0;
    int weightOver = 0;
  };

  int horizon = 0;
  std::vector<Shift> shifts;
  std::vector<Staff> staff;
  std::vector<Request> onRequests;
  std::vector<Request> offRequests;
  std::vector<Cover> cover;

  int shiftIndex(const std::string& id) const;     // -1 if unknown
  int employeeIndex(const std::string& id) const;  // -1 if unknown
};

BenchmarkInstance parseBenchmark(std::istream& in);
BenchmarkInstance loadBenchmark(const std::string& path);  // "shifts.io_error" if unreadable

Problem toProblem(const BenchmarkInstance& instance);

// CSV "employee,day,shift", one row per worked cell, IDs from the instance, days 0-based.
void writeRosterCsv(std::ostream& out, const BenchmarkInstance& instance, const Roster& roster);

// Reads such a CSV. Unknown IDs, days out of range, two rows for one cell, or a bad header are
// "shifts.parse_error" with the line number.
Roster readRosterCsv(std::istream& in, const BenchmarkInstance& instance);

}  // namespace sukusuku::shifts
