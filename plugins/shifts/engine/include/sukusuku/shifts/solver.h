// The roster solver (勤務表自動作成): a greedy construction followed by simulated annealing over
// incrementally priced moves.
//
// Search. The cost a move is judged by is hardWeight x (hard units) + soft objective, so the
// search may pass through infeasible rosters but is pulled back; the best roster kept is the
// lexicographic best (hard units, objective). Moves: change one cell; swap two employees' cells
// on one day; swap a block of 2..7 days between two employees; swap a weekend (plus up to two
// days either side) between two employees; swap two days of one employee; ruin-and-recreate a
// block of days of one employee (greedy refill); a move aimed at an unmet request (change that
// cell, swap it, or swap a block around it with another employee); a move aimed at a short or
// over-covered requirement; and, every 2,000-80,000 moves (a fixed CPU share), replace one
// employee's whole row by its best response to the others (an exact dynamic programme over
// that employee's hard rules, see engine/src/row_optimizer.h). A move only prices the touched
// employees' rows and the touched cover counts, and not even the rows when a cheap bound (the
// exact cover change, the local hard rules of the touched rows) shows that the Metropolis
// test, drawn before the move, would refuse it.
//
// Pinned cells never change. With Problem::previous set, the search starts from the previous
// roster (pins applied), so a re-solve after a sick call stays close to it.
//
// Threads. `threads` searches run with seeds derived from `seed` and their index; the schedule
// is cut into a few segments, after each of which every search continues from the best roster
// found so far; the best result wins, ties going to the lowest index. With maxIterations set, the cooling
// schedule follows iterations, not the clock: the same seed, thread count and maxIterations
// give the identical roster on every run and machine, unless the time limit or cancel ends the
// search first. With only a time limit, how far the search gets depends on the machine's speed
// and load, so results may differ between runs.
//
// Stopping. At the time limit, at maxIterations per thread, or as soon as `cancel` turns true
// (polled every few hundred moves). timeLimitSeconds == 0 returns the construction result,
// which takes milliseconds. solve() is thread-safe; the Problem is only read.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "sukusuku/shifts/model.h"
#include "sukusuku/shifts/report.h"

namespace sukusuku::shifts {

struct SolveOptions {
  double timeLimitSeconds = 10.0;
  uint64_t seed = 1;
  int threads = 1;
  int64_t maxIterations = 0;  // per thread; 0 means only the time limit stops the search
  const std::atomic<bool>* cancel = nullptr;
  std::optional<Roster> initial;  // a starting roster; default: previous, else construction
};

struct SolveResult {
  Roster roster;
  Report report;
  int64_t iterations = 0;  // summed over threads
  double seconds = 0.0;
};

// Throws RosterError("shifts.invalid_model") for an inconsistent Problem or initial roster.
SolveResult solve(const Problem& problem, const SolveOptions& options);

}  // namespace sukusuku::shifts
