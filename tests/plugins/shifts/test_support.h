// Helpers shared by the shift engine tests: loading the bundled instances (data/, from
// wssuite/NurseScheduler, MIT) and parsing inline instance text.
#pragma once

#include <sstream>
#include <string>

#include "sukusuku/shifts/benchmark_format.h"

namespace sukusuku::shifts::testing {

inline BenchmarkInstance bundled(const std::string& name) {
  return loadBenchmark(std::string(SHIFT_TEST_DATA_DIR) + "/" + name);
}

inline BenchmarkInstance parseText(const std::string& text) {
  std::istringstream in(text);
  return parseBenchmark(in);
}

// Seven days from a Monday, two shifts (N may not be followed by D), two employees.
inline const char* kTinyInstance = R"(# tiny
SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,600,D

SECTION_STAFF
A,D=7|N=1,2400,1440,3,2,2,0
B,D=7|N=7,2400,0,7,1,1,1

SECTION_DAYS_OFF
A,2

SECTION_SHIFT_ON_REQUESTS
A,0,D,2
B,3,N,5

SECTION_SHIFT_OFF_REQUESTS
A,1,D,3

SECTION_COVER
0,D,1,100,1
1,D,1,100,1
3,N,1,100,1
5,D,1,50,2
)";

}  // namespace sukusuku::shifts::testing
