// Nursery benchmark: a nursery of 120 children and 25 staff over a month in 30-minute slots,
// built through the nursery model (requirement per slot from planned attendance and the
// national ratios) and solved by the engine. Prints, per time limit, the wall time, the hard
// violations (0 = a legal rota: every slot staffed to the ratio, labour rules kept) and the
// objective, then the ratio of the fastest legal solve to the 5 s budget (the anchor).
//
//   build/bin/shifts_nursery_bench [--threads N] [--seed N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "sukusuku/shifts/nursery.h"
#include "sukusuku/shifts/solver.h"

using namespace sukusuku::shifts;

namespace {

constexpr int kH = 60;

// Deterministic spread of arrivals and departures (30-minute steps), like a planned day.
nursery::NurseryMonth buildMonth(uint64_t seed) {
  nursery::NurseryMonth m;
  m.horizonDays = 30;   // June 2026: starts on a Monday
  m.firstWeekday = 0;
  m.grid = {7 * kH, 19 * kH, 30};
  m.patterns = nursery::defaultPatterns();
  const int perAge[nursery::kAges] = {9, 18, 18, 25, 25, 25};  // 120 children
  const int arrive[] = {7 * kH, 7 * kH + 30, 8 * kH, 8 * kH + 30, 9 * kH, 9 * kH + 30};
  const int arriveShare[] = {8, 8, 14, 25, 27, 18};  // percent
  const int leave[] = {16 * kH, 16 * kH + 30, 17 * kH, 17 * kH + 30, 18 * kH, 19 * kH};
  const int leaveShare[] = {22, 22, 24, 16, 10, 6};
  uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
  auto pick = [&](const int* share) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    int r = static_cast<int>((state >> 33) % 100);
    for (int i = 0; i < 6; ++i) {
      if (r < share[i]) return i;
      r -= share[i];
    }
    return 5;
  };
  std::vector<nursery::ExpectedChild> weekday;
  for (int age = 0; age < nursery::kAges; ++age)
    for (int i = 0; i < perAge[age]; ++i)
      weekday.push_back({age, arrive[pick(arriveShare)], leave[pick(leaveShare)]});
  std::vector<nursery::ExpectedChild> saturday;  // one child in five comes on Saturdays
  for (size_t i = 0; i < weekday.size(); i += 5) saturday.push_back(weekday[i]);
  const nursery::RatioSetting ratio;  // national minimum from 2024-04-01
  const auto weekdayNeed =
      nursery::requirementPerSlot(nursery::childrenPerSlot(m.grid, weekday), ratio);
  const auto saturdayNeed =
      nursery::requirementPerSlot(nursery::childrenPerSlot(m.grid, saturday), ratio);
  for (int d = 0; d < m.horizonDays; ++d) {
    const int w = d % 7;
    if (w == 6) m.days.push_back({false, {}});
    else m.days.push_back({true, w == 5 ? saturdayNeed : weekdayNeed});
  }
  for (int i = 0; i < 25; ++i) {
    nursery::NurseryStaff s;
    s.id = "S" + std::to_string(i + 1);
    s.partTime = i >= 20;
    s.hoikushi = i < 18 || i == 20 || i == 21;
    s.minutesPerWeek = s.partTime ? 1200 : 2400;
    if (i % 4 == 0) s.requestedDaysOff = {(i * 3) % 30, (i * 7 + 2) % 30};
    m.staff.push_back(s);
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  uint64_t seed = 1;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[++i], nullptr, 10);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const nursery::NurseryMonth month = buildMonth(seed);
  const Problem problem = nursery::buildProblem(month);
  const double buildSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int peak = 0;
  for (const auto& r : month.days[0].slots) peak = std::max(peak, r.caregivers);
  std::printf("nursery: 120 children, 25 staff, %d days, %d slots/day, %zu cover rows, peak %d "
              "caregivers; model built in %.3f s\n",
              month.horizonDays, month.grid.slots(), problem.cover.size(), peak, buildSeconds);
  std::printf("%-12s %10s %6s %10s %10s\n", "time_limit", "wall_s", "hard", "objective",
              "iterations");
  double firstLegal = -1;
  for (double limit : {0.0, 0.5, 1.0, 2.0, 4.0}) {
    SolveOptions o;
    o.timeLimitSeconds = limit;
    o.threads = threads;
    o.seed = seed;
    const auto start = std::chrono::steady_clock::now();
    const SolveResult r = solve(problem, o);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() +
        buildSeconds;
    std::printf("%-12.1f %10.2f %6d %10lld %10lld\n", limit, wall, r.report.hardViolations,
                static_cast<long long>(r.report.objective), static_cast<long long>(r.iterations));
    if (r.report.hardViolations == 0 && firstLegal < 0) firstLegal = wall;
    if (limit == 4.0 && r.report.hardViolations > 0)
      for (const Violation& v : r.report.violations)
        if (v.hard) std::printf("  %s\n", describe(problem, v).c_str());
  }
  if (firstLegal < 0) {
    std::printf("no legal rota within 4 s\n");
    return 1;
  }
  std::printf("first legal rota: %.2f s wall = %.2f x the 5 s budget (anchor)\n", firstLegal,
              firstLegal / 5.0);
  return 0;
}
