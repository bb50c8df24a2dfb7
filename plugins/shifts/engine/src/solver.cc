#include "sukusuku/shifts/solver.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>

#include "cost_model.h"
#include "row_optimizer.h"
#include "search_state.h"

namespace sukusuku::shifts {

namespace {

using detail::Change;
using detail::Cost;
using detail::CostModel;
using detail::SearchState;
using Clock = std::chrono::steady_clock;

// Search constants, tuned on the Curtois-Qu instances (cover weights up to 100, request weights
// 1-3). A hard unit is worth one uncovered place: the walk may cross infeasibility early on,
// and by the time the temperature is low it no longer pays; the best roster is chosen
// feasibility first in any case.
constexpr int64_t kHardWeight = 100;
// The hard weight grows from kHardWeight to (1 + kHardRamp) x kHardWeight over the search, so
// that the walk ends feasible even when cover moves make trading a hard unit for a place cheap.
constexpr double kHardRamp = 9.0;
constexpr double kStartTemperature = 40.0;
constexpr double kEndTemperature = 0.2;
constexpr int kMaxBlock = 7;
// A best-response row (row_optimizer.h) runs every rowEvery_ moves: every kRowWorkPerMove
// transitions of its dynamic programme per move, at least every kRowEvery and at most every
// kMaxRowEvery moves, so that it takes about the same share of the CPU on every instance (a
// transition costs a few nanoseconds, a small move ~250 ns). Cell noise up to kRowNoise x
// temperature keeps repeated calls from returning the same row. Measured against a fixed 2000
// moves (with the cheap rejection of the previous commit), 4 CPU s per run, seeds 1-6,
// Instances 8/9/12: mean gap 11.57% -> 8.29% (Instance8 rows every ~14k moves, 9 ~21k, 12 ~35k).
constexpr int64_t kRowEvery = 2000;
constexpr int64_t kMaxRowEvery = 80000;
constexpr int64_t kRowWorkPerMove = 170;
constexpr double kRowNoise = 2.0;
constexpr int kConstructionRounds = 3;
// After this many row moves in a row that found the walk infeasible, half of the row moves go
// to an employee whose row breaks a hard rule (rowMove).
constexpr int kRepairAfter = 30;
// This share of the small moves is aimed at an unmet request (targetedMove). Measured with a
// fixed CPU budget per run (4 CPU s, seeds 1-4): Instance9 507 -> 494 and Instance10
// 4852 -> 4800 on average, Instance8 within its noise; more than 10% starves the cover moves.
constexpr int kTargetedPercent = 10;
// This share of the small moves is aimed at a cover requirement that is short (or over with a
// weight): coverMove. Like the request moves, a random cell rarely touches one of the few short
// cells of a good roster. With the hard-weight ramp and the final polish, at a fixed budget of
// 4M moves (1 thread): Instances 8/9/10/12 mean gap 15.06% -> 11.90% (seeds 1-4), Instances
// 1-7 and 11 4.53% -> 3.45% (seed 1).
constexpr int kCoverPercent = 20;
constexpr int kCoverTries = 8;
// With several threads the run is cut into kSegments equal parts of the schedule; after each,
// every thread continues from the best roster any of them has found. At 4 CPU s per thread,
// 2 threads, Instances 8/9/12, seeds 1-6: 2 segments 7.28% mean gap, 4 6.83%, 8 6.87%
// (independent searches, seeds 1-3: 8.34%).
constexpr int kSegments = 4;

int64_t scalar(const Cost& c, int64_t hardWeight) { return c.hardUnits * hardWeight + c.soft; }
bool better(const Cost& a, const Cost& b) {
  return a.hardUnits != b.hardUnits ? a.hardUnits < b.hardUnits : a.soft < b.soft;
}

// splitmix64: small, fast, and identical on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int below(int n) { return static_cast<int>((next() >> 33) % static_cast<uint64_t>(n)); }

 private:
  uint64_t state_;
};

bool allows(const CostModel& m, int e, int d, int v) {
  return (m.allowedMask(e, d) >> (v + 1)) & 1;
}

// The starting roster: the given one, with pinned values applied and values the cell may not
// hold (e.g. a new hard day off) cleared.
Roster startingRoster(const CostModel& m, const SolveOptions& options) {
  const Problem& p = m.problem();
  Roster roster(m.employees(), m.days());
  if (options.initial) {
    if (options.initial->employees() != m.employees() || options.initial->days() != m.days())
      throw RosterError("shifts.invalid_model", "initial roster has the wrong shape");
    roster = *options.initial;
  } else if (p.previous) {
    roster = *p.previous;
  }
  for (int e = 0; e < m.employees(); ++e)
    for (int d = 0; d < m.days(); ++d) {
      const int v = roster.at(e, d);
      if (v < kOff || v >= m.shiftTypes() || !allows(m, e, d, v)) roster.set(e, d, kOff);
    }
  for (const Assignment& a : p.pinned) roster.set(a.employee, a.day, a.shift);
  return roster;
}

// Greedy construction: first-improvement descent over single cells, in a fixed order.
void descend(const CostModel& m, SearchState& state, const Clock::time_point deadline,
             bool watchClock) {
  for (int pass = 0; pass < 50; ++pass) {
    bool improved = false;
    for (int e = 0; e < m.employees(); ++e) {
      if (watchClock && Clock::now() > deadline) return;
      for (int d = 0; d < m.days(); ++d) {
        if (m.pinned(e, d)) continue;
        const int current = state.at(e, d);
        int best = current;
        int64_t bestCost = scalar(state.total(), kHardWeight);
        for (int v = kOff; v < m.shiftTypes(); ++v) {
          if (v == current || !allows(m, e, d, v)) continue;
          const Change c{e, d, current, v};
          const int64_t cost = scalar(state.apply(&c, 1), kHardWeight);
          state.undo();
          if (cost < bestCost) {
            bestCost = cost;
            best = v;
          }
        }
        if (best != current) {
          const Change c{e, d, current, best};
          state.apply(&c, 1);
          state.commit();
          improved = true;
        }
      }
    }
    if (!improved) return;
  }
}

// Rounds of best-response rows, each employee in turn, keeping only improvements: turns the
// greedy roster into one whose every row satisfies its own hard rules where that is possible.
void bestResponses(const CostModel& m, SearchState& state, int rounds) {
  detail::RowOptimizer optimizer(m);
  std::vector<int> row;
  std::vector<Change> changes;
  for (int round = 0; round < rounds; ++round) {
    bool improved = false;
    for (int e = 0; e < m.employees(); ++e) {
      if (!optimizer.optimize(state, e, kHardWeight, nullptr, row)) continue;
      changes.clear();
      for (int d = 0; d < m.days(); ++d)
        if (row[d] != state.at(e, d)) changes.push_back({e, d, state.at(e, d), row[d]});
      if (changes.empty()) continue;
      const int64_t before = scalar(state.total(), kHardWeight);
      if (scalar(state.apply(changes.data(), static_cast<int>(changes.size())), kHardWeight) <
          before) {
        state.commit();
        improved = true;
      } else {
        state.undo();
      }
    }
    if (!improved) return;
  }
}

class Annealer {
 public:
  Annealer(const CostModel& m, const Roster& start, uint64_t seed, const SolveOptions& options,
           Clock::time_point begin, Clock::time_point deadline)
      : m_(m),
        state_(m, start),
        rng_(seed),
        options_(options),
        begin_(begin),
        deadline_(deadline),
        best_(start),
        bestCost_(state_.total()) {
    for (int d = 0; d < m.days(); ++d)
      if ((m.problem().firstWeekday + d) % 7 == 5 || (d == 0 && m.problem().firstWeekday == 6))
        weekendStarts_.push_back(d);
    const Problem& p = m.problem();
    coverShifts_.resize(p.cover.size());
    for (int r = 0; r < static_cast<int>(p.cover.size()); ++r) {
      for (int sh = 0; sh < m.shiftTypes(); ++sh) {
        const std::vector<int>& points = p.shiftTypes[sh].coverPoints;
        if (std::find(points.begin(), points.end(), p.cover[r].point) != points.end())
          coverShifts_[r].push_back(sh);
      }
      if (!coverShifts_[r].empty() && (p.cover[r].minimum > 0 || p.cover[r].weightOver > 0))
        coverPool_.push_back(r);
    }
    int64_t work = 0;
    for (int e = 0; e < m.employees(); ++e) work += rows_.estimatedWork(e);
    const int64_t mean = m.employees() > 0 ? work / m.employees() : 0;
    rowEvery_ = std::clamp<int64_t>(mean / kRowWorkPerMove, kRowEvery, kMaxRowEvery);
  }

  // Continues the walk from `from` (the best so far of all threads) at the current progress.
  void restartFrom(const Roster& from) {
    state_.reset(from);
    best_ = from;
    bestCost_ = state_.total();
    currentIsBest_ = true;
  }

  // Runs until the schedule's progress (share of the time limit, or of maxIterations) reaches
  // `until` (1 = the end), the time limit or a cancel.
  void run(double until) {
    const double limit = std::chrono::duration<double>(deadline_ - begin_).count();
    double temperature = temperature_;
    for (;; ++iterations_) {
      if ((iterations_ & 255) == 0) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - begin_).count();
        if (elapsed >= limit) break;
        if (options_.cancel && options_.cancel->load(std::memory_order_relaxed)) break;
        // With an iteration budget the schedule follows iterations only, so that the walk does
        // not depend on the machine's speed.
        const double progress = options_.maxIterations > 0
                                    ? static_cast<double>(iterations_) / options_.maxIterations
                                    : elapsed / limit;
        if (progress >= until) break;
        temperature = kStartTemperature * std::pow(kEndTemperature / kStartTemperature, progress);
        hardWeight_ = kHardWeight + static_cast<int64_t>(kHardRamp * kHardWeight * progress);
      }
      if (iterations_ % rowEvery_ == rowEvery_ - 1) {
        rowMove(temperature);
      } else {
        step(temperature);
      }
    }
    temperature_ = temperature;
    if (currentIsBest_) best_ = state_.roster();
  }

  const Roster& best() const { return best_; }
  const Cost& bestCost() const { return bestCost_; }
  int64_t iterations() const { return iterations_; }

 private:
  void step(double temperature) {
    const int64_t before = scalar(state_.total(), hardWeight_);
    const double allowance = drawAllowance(temperature);
    maxRise_ = allowance >= 1e15 ? INT64_MAX / 4 : static_cast<int64_t>(std::ceil(allowance)) - 1;
    rejected_ = false;
    if (!buildMove() || rejected_) return;
    decide(before, allowance);
  }

  // Replaces one employee's row by its best response to everybody else (row_optimizer.h),
  // with a little noise so that repeated calls explore.
  void rowMove(double temperature) {
    const int64_t before = scalar(state_.total(), hardWeight_);
    int e = rng_.below(m_.employees());
    // When the walk has stayed infeasible for a while, half of the rows go to an employee whose
    // row breaks a hard rule: the optimiser's row obeys them all. Without it a walk could keep
    // one short free block to the end (Instance12, seed 1, 1 thread, 6M moves: its best stayed
    // the construction's 8429), since every single-cell way out costs cover. Repairing from
    // the first infeasible row move instead hurt Instance8 (the early walk needs its freedom).
    infeasibleRows_ = state_.total().hardUnits > 0 ? infeasibleRows_ + 1 : 0;
    if (infeasibleRows_ >= kRepairAfter && rng_.below(2) == 0) {
      const int start = rng_.below(m_.employees());
      for (int k = 0; k < m_.employees(); ++k) {
        const int x = (start + k) % m_.employees();
        if (state_.employeeCost(x).hardUnits > 0) {
          e = x;
          break;
        }
      }
    }
    const int values = m_.shiftTypes() + 1;
    noise_.resize(static_cast<size_t>(m_.days()) * values);
    const int amplitude = std::max(1, static_cast<int>(temperature * kRowNoise));
    for (int64_t& n : noise_) n = rng_.below(amplitude);
    if (!rows_.optimize(state_, e, hardWeight_, noise_.data(), row_)) return;
    changes_.clear();
    for (int d = 0; d < m_.days(); ++d)
      if (row_[d] != state_.at(e, d)) changes_.push_back({e, d, state_.at(e, d), row_[d]});
    if (changes_.empty()) return;
    state_.apply(changes_.data(), static_cast<int>(changes_.size()));
    decide(before, drawAllowance(temperature));
  }

  bool buildMove() {
    const int aim = rng_.below(100);
    if (aim < kTargetedPercent) return targetedMove();
    if (aim < kTargetedPercent + kCoverPercent && coverMove()) return true;
    const int kind = rng_.below(100);
    bool built;
    if (kind < 30) {
      built = changeMove();
    } else if (kind < 60) {
      built = swapMove();
    } else if (kind < 75) {
      built = blockSwapMove();
    } else if (kind < 85) {
      built = weekendSwapMove();
    } else if (kind < 95) {
      built = daySwapMove();
    } else {
      built = recreateMove();
    }
    return built;
  }

  // The Metropolis test drawn ahead of the move: a rise in cost is accepted with probability
  // exp(-rise / temperature), i.e. when rise < -temperature x ln(u) for a uniform u.
  // -ln(u) comes from a table of 2^kLogBits equal steps of u (at their midpoints): a logarithm
  // per move was 3-4% of the CPU. The first step (u < 2^-kLogBits) is computed exactly: a
  // table alone caps the allowance at 9 x temperature, and that rare tail matters (Instance8,
  // 2 threads x 10M moves, seeds 1-3: 1386/1388/1391 with the tail, 1478/1488/1408 without).
  double drawAllowance(double temperature) {
    const uint64_t bits = rng_.next();
    const uint64_t step = bits >> (64 - kLogBits);
    if (step == 0) {  // the tail, exactly: large rises must stay possible
      const double u = static_cast<double>((bits & ((1ULL << (64 - kLogBits)) - 1)) | 1) * 0x1.0p-64;
      return -temperature * std::log(u);
    }
    return temperature * logTable_[step];
  }
  static constexpr int kLogBits = 12;
  static const float* minusLog() {
    static const std::vector<float> table = [] {
      std::vector<float> t(size_t{1} << kLogBits);
      for (size_t i = 0; i < t.size(); ++i)
        t[i] = static_cast<float>(-std::log((static_cast<double>(i) + 0.5) / t.size()));
      return t;
    }();
    return table.data();
  }

  // Applies a built move unless a cheap bound proves it would be rejected (SearchState::
  // applyUnless); either way the move counts as built.
  bool tryApply(const Change* c, int n) {
    if (!state_.applyUnless(c, n, hardWeight_, maxRise_)) rejected_ = true;
    return true;
  }

  void decide(int64_t before, double allowance) {
    const int64_t delta = scalar(state_.total(), hardWeight_) - before;
    if (delta <= 0 || static_cast<double>(delta) < allowance) {
      if (currentIsBest_) {
        // Keep the best before walking away from it: the roster as it was before this move.
        best_ = state_.roster();
        const std::vector<Change>& changes = state_.pendingChanges();
        for (auto c = changes.rbegin(); c != changes.rend(); ++c)
          best_.set(c->employee, c->day, c->from);
        currentIsBest_ = false;
      }
      state_.commit();
      if (better(state_.total(), bestCost_)) {
        bestCost_ = state_.total();
        currentIsBest_ = true;
      }
    } else {
      while (state_.pending() > 0) state_.undo();
    }
  }

  bool isFree(int e, int d) const { return !m_.pinned(e, d); }

  // A move aimed at an unmet request: most requests are met in a good roster, so a random cell
  // rarely touches one. Picks a request; if it is unmet, changes that cell, swaps it with
  // another employee's, or swaps a block of days around it.
  bool targetedMove() {
    const std::vector<ShiftRequest>& requests = m_.problem().requests;
    if (requests.empty() || m_.employees() < 2) return false;
    const ShiftRequest& r = requests[rng_.below(static_cast<int>(requests.size()))];
    const int e = r.employee;
    const int d = r.day;
    const int current = state_.at(e, d);
    if (m_.cellSoft(e, d, current) == 0 || !isFree(e, d)) return false;
    int b = rng_.below(m_.employees() - 1);
    if (b >= e) ++b;
    // Mostly a partner who holds what the request asks for that day (the shift for an on
    // request, anything else for an off request), so that a swap can honour it: most unmet
    // requests of Instance9 are blocks of nights another employee works. At 2 threads x 10M
    // moves, seeds 1-3: Instance9 470.7 -> 470.0, Instance10 4729 -> 4694 on average; seeds 1-2:
    // Instances 7/11/12 mean gap 2.47% -> 2.51% (within their noise).
    for (int t = 0; t < kCoverTries; ++t) {
      int x = rng_.below(m_.employees() - 1);
      if (x >= e) ++x;
      const int vx = state_.at(x, d);
      const bool holds = r.shift == kAnyShift ? vx != kOff : vx == r.shift;
      if (holds == r.on && isFree(x, d)) {
        b = x;
        break;
      }
    }
    const int kind = rng_.below(3);
    if (kind == 0) return changeCell(e, d);
    if (kind == 1) return swapDaysOf(e, b, d, 1);
    const int len = 2 + rng_.below(std::min(kMaxBlock, m_.days()) - 1);
    const int start = std::clamp(d - rng_.below(len), 0, std::max(0, m_.days() - len));
    return swapDaysOf(e, b, start, std::min(len, m_.days() - start));
  }

  bool contributes(int e, int shift, int day, int r) const {
    for (int x : m_.contributions(e, shift, day))
      if (x == r) return true;
    return false;
  }

  // A day of `e` other than `d` holding (`working`) a shift or not, near `d` half of the time.
  int otherDay(int e, int d, bool working) {
    for (int t = 0; t < kCoverTries; ++t) {
      const int d2 = rng_.below(2) == 0 ? rng_.below(m_.days())
                                        : d + (rng_.below(2) ? 1 : -1) * (1 + rng_.below(4));
      if (d2 < 0 || d2 >= m_.days() || d2 == d || !isFree(e, d2)) continue;
      if ((state_.at(e, d2) != kOff) == working) return d2;
    }
    return -1;
  }

  // A move aimed at a cover requirement that is short or over: somebody starts (or stops)
  // working a shift that counts towards it that day, half of the time moving that work from
  // (or to) another of their days so that their totals stay put.
  bool coverMove() {
    if (coverPool_.empty()) return false;
    const Problem& p = m_.problem();
    for (int t = 0; t < kCoverTries; ++t) {
      const int r = coverPool_[rng_.below(static_cast<int>(coverPool_.size()))];
      const CoverRequirement& req = p.cover[r];
      const int count = state_.count(r);
      const bool under = count < req.minimum;
      if (!under && !(count > req.minimum && req.weightOver > 0)) continue;
      const int d = req.day;
      const std::vector<int>& shifts = coverShifts_[r];
      for (int u = 0; u < kCoverTries; ++u) {
        const int e = rng_.below(m_.employees());
        if (!isFree(e, d)) continue;
        const int current = state_.at(e, d);
        const bool shift = rng_.below(2) == 0;
        if (under) {
          const int s = shifts[rng_.below(static_cast<int>(shifts.size()))];
          if (s == current || !allows(m_, e, d, s) || !contributes(e, s, d, r)) continue;
          if (current != kOff && contributes(e, current, d, r)) continue;
          Change c[2] = {{e, d, current, s}, {}};
          int n = 1;
          if (shift && current == kOff) {
            const int d2 = otherDay(e, d, true);
            if (d2 >= 0 && allows(m_, e, d2, kOff)) c[n++] = {e, d2, state_.at(e, d2), kOff};
          }
          return tryApply(c, n);
        }
        if (current == kOff || !contributes(e, current, d, r) || !allows(m_, e, d, kOff)) continue;
        Change c[2] = {{e, d, current, kOff}, {}};
        int n = 1;
        if (shift) {
          const int d2 = otherDay(e, d, false);
          if (d2 >= 0 && allows(m_, e, d2, current)) c[n++] = {e, d2, kOff, current};
        }
        return tryApply(c, n);
      }
    }
    return false;
  }

  bool changeMove() {
    const int e = rng_.below(m_.employees());
    return changeCell(e, rng_.below(m_.days()));
  }

  // Gives cell (e, d) another value it may hold, chosen at random.
  bool changeCell(int e, int d) {
    const int current = state_.at(e, d);
    const uint64_t mask = m_.allowedMask(e, d) & ~(1ULL << (current + 1));
    if (mask == 0) return false;
    int k = rng_.below(std::popcount(mask));
    uint64_t bits = mask;
    while (k-- > 0) bits &= bits - 1;
    const Change c{e, d, current, std::countr_zero(bits) - 1};
    return tryApply(&c, 1);
  }

  bool swapMove() {
    if (m_.employees() < 2) return false;
    const int d = rng_.below(m_.days());
    const int a = rng_.below(m_.employees());
    int b = rng_.below(m_.employees() - 1);
    if (b >= a) ++b;
    const int va = state_.at(a, d);
    const int vb = state_.at(b, d);
    if (va == vb || !allows(m_, a, d, vb) || !allows(m_, b, d, va)) return false;
    const Change c[2] = {{a, d, va, vb}, {b, d, vb, va}};
    return tryApply(c, 2);
  }

  bool blockSwapMove() {
    if (m_.days() < 2) return false;
    const int len = 2 + rng_.below(std::min(kMaxBlock, m_.days()) - 1);
    return swapDays(rng_.below(m_.days() - len + 1), len);
  }

  // Swaps a block covering one weekend, give or take two days either side, so that a weekend
  // can change hands as a whole.
  bool weekendSwapMove() {
    if (weekendStarts_.empty()) return false;
    const int saturday = weekendStarts_[rng_.below(static_cast<int>(weekendStarts_.size()))];
    const int start = std::max(0, saturday - rng_.below(3));
    const int end = std::min(m_.days() - 1, saturday + 1 + rng_.below(3));
    return swapDays(start, end - start + 1);
  }

  // Swaps days [start, start + len) between two random employees.
  bool swapDays(int start, int len) {
    if (m_.employees() < 2) return false;
    const int a = rng_.below(m_.employees());
    int b = rng_.below(m_.employees() - 1);
    if (b >= a) ++b;
    return swapDaysOf(a, b, start, len);
  }

  bool swapDaysOf(int a, int b, int start, int len) {
    Change c[4 * kMaxBlock];
    int n = 0;
    for (int d = start; d < start + len; ++d) {
      const int va = state_.at(a, d);
      const int vb = state_.at(b, d);
      if (va == vb) continue;
      if (!allows(m_, a, d, vb) || !allows(m_, b, d, va)) return false;
      c[n++] = {a, d, va, vb};
      c[n++] = {b, d, vb, va};
    }
    if (n == 0) return false;
    return tryApply(c, n);
  }

  bool daySwapMove() {
    const int e = rng_.below(m_.employees());
    const int d1 = rng_.below(m_.days());
    // Mostly a nearby day: slides a working block or a rest day by a little.
    int d2 = rng_.below(2) == 0 ? rng_.below(m_.days())
                                : d1 + (rng_.below(2) ? 1 : -1) * (1 + rng_.below(3));
    if (d2 < 0 || d2 >= m_.days()) return false;
    const int v1 = state_.at(e, d1);
    const int v2 = state_.at(e, d2);
    if (v1 == v2 || !allows(m_, e, d1, v2) || !allows(m_, e, d2, v1)) return false;
    const Change c[2] = {{e, d1, v1, v2}, {e, d2, v2, v1}};
    return tryApply(c, 2);
  }

  // Clears a few days of one employee, then refills them greedily day by day.
  bool recreateMove() {
    if (m_.days() < 2) return false;
    const int e = rng_.below(m_.employees());
    const int len = 2 + rng_.below(std::min(kMaxBlock, m_.days()) - 1);
    const int start = rng_.below(m_.days() - len + 1);
    bool changed = false;
    for (int d = start; d < start + len; ++d) {
      if (!isFree(e, d)) continue;
      const int current = state_.at(e, d);
      int bestValue = current;
      int64_t bestCost = INT64_MAX;
      const int offset = rng_.below(m_.shiftTypes() + 1);  // ties broken by a random origin
      for (int i = 0; i <= m_.shiftTypes(); ++i) {
        const int v = (offset + i) % (m_.shiftTypes() + 1) - 1;
        if (!allows(m_, e, d, v)) continue;
        const int64_t now = scalar(state_.total(), hardWeight_);
        int64_t cost = now;
        if (v != current) {
          // Only a strictly cheaper value can win: the cheap bound skips the rest unpriced.
          const Change c{e, d, current, v};
          const int64_t maxRise = bestCost == INT64_MAX ? INT64_MAX / 4 : bestCost - now - 1;
          if (!state_.applyUnless(&c, 1, hardWeight_, maxRise)) continue;
          cost = scalar(state_.total(), hardWeight_);
          state_.undo();
        }
        if (cost < bestCost) {
          bestCost = cost;
          bestValue = v;
        }
      }
      if (bestValue != current) {
        const Change c{e, d, current, bestValue};
        state_.apply(&c, 1);
        changed = true;
      }
    }
    return changed;
  }

  const CostModel& m_;
  SearchState state_;
  Rng rng_;
  const SolveOptions& options_;
  Clock::time_point begin_;
  Clock::time_point deadline_;
  Roster best_;
  Cost bestCost_;
  bool currentIsBest_ = true;
  std::vector<std::vector<int>> coverShifts_;  // per requirement: shift types counting for it
  std::vector<int> coverPool_;  // requirements that can be short or over
  std::vector<int> weekendStarts_;  // first weekend day of each weekend in the horizon
  detail::RowOptimizer rows_{m_};
  std::vector<int64_t> noise_;  // scratch for rowMove()
  std::vector<int> row_;
  std::vector<Change> changes_;
  const float* logTable_ = minusLog();
  int64_t iterations_ = 0;
  int infeasibleRows_ = 0;  // row moves in a row that found the walk infeasible
  int64_t rowEvery_ = kRowEvery;
  int64_t hardWeight_ = kHardWeight;
  double temperature_ = kStartTemperature;
  int64_t maxRise_ = 0;  // the rise the pending Metropolis test allows, minus one
  bool rejected_ = false;  // the built move was rejected by tryApply()
};

}  // namespace

SolveResult solve(const Problem& problem, const SolveOptions& options) {
  const Clock::time_point begin = Clock::now();
  const double limit = std::max(0.0, options.timeLimitSeconds);
  const Clock::time_point deadline =
      begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limit));
  CostModel model(problem);

  SearchState construction(model, startingRoster(model, options));
  descend(model, construction, deadline, limit > 0);
  bestResponses(model, construction, kConstructionRounds);
  descend(model, construction, deadline, limit > 0);
  Roster start = construction.roster();

  SolveResult result;
  const bool search = limit > 0 && !(options.cancel && options.cancel->load());
  if (search && model.employees() > 0) {
    const int threads = std::max(1, options.threads);
    std::vector<std::unique_ptr<Annealer>> annealers;
    for (int t = 0; t < threads; ++t)
      annealers.push_back(std::make_unique<Annealer>(
          model, start, options.seed * 0x2545F4914F6CDD1DULL + 7919ULL * t + 1, options, begin,
          deadline));
    // The threads walk independently, and at each segment's end all of them continue from the
    // best roster found so far (ties to the lowest index).
    const int segments = threads > 1 ? kSegments : 1;
    int winner = 0;
    for (int segment = 1; segment <= segments; ++segment) {
      const double until = static_cast<double>(segment) / segments;
      if (segment > 1)
        for (auto& a : annealers) a->restartFrom(annealers[winner]->best());
      std::vector<std::thread> workers;
      for (int t = 1; t < threads; ++t) workers.emplace_back([&, t] { annealers[t]->run(until); });
      annealers[0]->run(until);
      for (std::thread& w : workers) w.join();
      winner = 0;
      for (int t = 1; t < threads; ++t)
        if (better(annealers[t]->bestCost(), annealers[winner]->bestCost())) winner = t;
    }
    // A last polish of the winner: best-response rows and single cells, improvements only.
    SearchState polish(model, annealers[winner]->best());
    bestResponses(model, polish, kConstructionRounds);
    descend(model, polish, deadline, false);
    result.roster = better(polish.total(), annealers[winner]->bestCost())
                        ? polish.roster()
                        : annealers[winner]->best();
    for (auto& a : annealers) result.iterations += a->iterations();
  } else {
    result.roster = start;
  }
  result.report = evaluate(problem, result.roster);
  result.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return result;
}

}  // namespace sukusuku::shifts
