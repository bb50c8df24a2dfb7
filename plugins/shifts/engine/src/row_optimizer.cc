#include "row_optimizer.h"

#include <algorithm>
#include <bit>
#include <numeric>

namespace sukusuku::shifts::detail {

namespace {

constexpr int64_t kInfinity = INT64_MAX / 4;
constexpr size_t kMaxStates = 150000;  // per day; beyond it the optimiser declines
constexpr int kPriceRounds = 4;

}  // namespace

RowOptimizer::RowOptimizer(const CostModel& model) : m_(model) {
  int g = 0;
  for (int s = 0; s < m_.shiftTypes(); ++s) g = std::gcd(g, m_.paidMinutes(s));
  gcdMinutes_ = g > 0 ? g : 1;
}

bool RowOptimizer::optimize(const SearchState& state, int e, int64_t hardWeight,
                            const int64_t* noise, std::vector<int>& row,
                            std::span<const std::pair<int, int>> forbid) {
  const int days = m_.days();
  const int values = m_.shiftTypes() + 1;
  cellCost_.assign(static_cast<size_t>(days) * values, kInfinity);
  for (int d = 0; d < days; ++d) {
    const int current = state.at(e, d);
    const std::span<const int> mine =
        current == kOff ? std::span<const int>() : m_.contributions(e, current, d);
    for (int v = kOff; v < m_.shiftTypes(); ++v) {
      if (!((m_.allowedMask(e, d) >> (v + 1)) & 1) || m_.cellHard(e, d, v) > 0) continue;
      int64_t cost = m_.cellSoft(e, d, v);
      if (v != kOff) {
        for (int r : m_.contributions(e, v, d)) {
          const int without =
              state.count(r) - (std::find(mine.begin(), mine.end(), r) != mine.end());
          const Cost with = m_.coverCost(r, without + 1);
          const Cost base = m_.coverCost(r, without);
          cost += (with.hardUnits - base.hardUnits) * hardWeight + (with.soft - base.soft);
        }
      }
      if (noise) cost += noise[d * values + v + 1];
      cellCost_[d * values + v + 1] = cost;
    }
  }
  for (auto [d, v] : forbid) cellCost_[d * values + v + 1] = kInfinity;
  const bool typesHard = m_.rule(Rule::kMaxShiftsOfType).hard;
  std::vector<int64_t> price(m_.shiftTypes(), 0);
  for (int round = 0; round < kPriceRounds; ++round) {
    if (!solveOnce(e, row)) return false;
    if (!typesHard) return true;
    bool over = false;
    for (int s = 0; s < m_.shiftTypes(); ++s) {
      const int used = static_cast<int>(std::count(row.begin(), row.end(), s));
      if (used <= m_.maxOfType(e, s)) continue;
      over = true;
      const int64_t step = 50LL << round;
      price[s] += step;
      for (int d = 0; d < days; ++d)
        if (cellCost_[d * values + s + 1] < kInfinity) cellCost_[d * values + s + 1] += step;
    }
    if (!over) return true;
  }
  return true;  // still over a per-type maximum; the caller's true cost will say so
}

bool RowOptimizer::layoutFor(int e, Layout& l) const {
  const Contract& c = m_.problem().employees[e].contract;
  const int days = m_.days();
  const int shifts = m_.shiftTypes();
  const int g = gcdMinutes_;
  l.minCons = m_.rule(Rule::kMinConsecutiveShifts).hard ? c.minConsecutiveShifts : 0;
  const bool maxConsHard =
      m_.rule(Rule::kMaxConsecutiveShifts).hard && c.maxConsecutiveShifts < days;
  l.maxCons = maxConsHard ? c.maxConsecutiveShifts : days;
  l.minOff = m_.rule(Rule::kMinConsecutiveDaysOff).hard ? c.minConsecutiveDaysOff : 0;
  l.capOff = std::max(1, l.minOff);
  l.capWork = std::max({1, l.minCons, maxConsHard ? l.maxCons : 1});
  l.maxMinutesHard = m_.rule(Rule::kMaxTotalMinutes).hard && c.maxTotalMinutes < INT_MAX;
  l.minMinutesHard = m_.rule(Rule::kMinTotalMinutes).hard && c.minTotalMinutes > 0;
  l.maxBucket = l.maxMinutesHard   ? c.maxTotalMinutes / g
                : l.minMinutesHard ? (c.minTotalMinutes + g - 1) / g
                                   : 0;
  l.buckets = l.maxBucket + 1;
  int weekendsInHorizon = 0;
  for (int d = 0; d < days; ++d)
    if (m_.weekendOf(d) >= 0 && (d == 0 || m_.weekendOf(d - 1) != m_.weekendOf(d)))
      ++weekendsInHorizon;
  l.weekendsHard = m_.rule(Rule::kMaxWeekends).hard && c.maxWeekends < weekendsInHorizon;
  l.weekendDim = l.weekendsHard ? c.maxWeekends + 1 : 1;
  l.successionHard = m_.rule(Rule::kForbiddenSuccession).hard;

  // The most binding per-type maximum is tracked exactly when the state space allows it; the
  // others are left to optimize()'s pricing.
  l.tracked = -1;
  if (m_.rule(Rule::kMaxShiftsOfType).hard) {
    for (int s = 0; s < shifts; ++s) {
      const int limit = m_.maxOfType(e, s);
      if (limit <= 0 || limit >= days) continue;
      if (l.tracked < 0 || limit < m_.maxOfType(e, l.tracked)) l.tracked = s;
    }
  }
  l.phases = l.capOff + shifts * l.capWork;
  const size_t base = static_cast<size_t>(l.phases) * 2 * l.buckets * l.weekendDim;
  if (l.tracked >= 0 && base * (m_.maxOfType(e, l.tracked) + 1) > kMaxStates) l.tracked = -1;
  l.typeDim = l.tracked >= 0 ? m_.maxOfType(e, l.tracked) + 1 : 1;
  l.states = base * l.typeDim;
  return l.states <= kMaxStates;
}

int64_t RowOptimizer::estimatedWork(int e) const {
  Layout l;
  if (!layoutFor(e, l)) return 0;
  return static_cast<int64_t>(l.states) * (m_.shiftTypes() + 1) * m_.days();
}

bool RowOptimizer::solveOnce(int e, std::vector<int>& row) {
  Layout l;
  if (!layoutFor(e, l)) return false;
  const Contract& c = m_.problem().employees[e].contract;
  const int days = m_.days();
  const int shifts = m_.shiftTypes();
  const int values = shifts + 1;
  const int g = gcdMinutes_;
  const int minCons = l.minCons, maxCons = l.maxCons, minOff = l.minOff;
  const int capOff = l.capOff, capWork = l.capWork;
  const bool maxMinutesHard = l.maxMinutesHard, minMinutesHard = l.minMinutesHard;
  const int maxBucket = l.maxBucket, buckets = l.buckets;
  const bool weekendsHard = l.weekendsHard, successionHard = l.successionHard;
  const int weekendDim = l.weekendDim, tracked = l.tracked, typeDim = l.typeDim;
  const size_t states = l.states;
  auto index = [&](int phase, int flag, int bucket, int weekends, int used) {
    return (((static_cast<size_t>(phase) * 2 + flag) * buckets + bucket) * weekendDim + weekends) *
               typeDim +
           used;
  };

  // Only a few per cent of the states are reachable on a given day, so each layer keeps a bitmap
  // of the states it reached and the next day visits those alone, in index order (the order a
  // dense sweep would take, so ties resolve the same way). Both layers are all kInfinity between
  // calls: a layer is reset through its bitmap once read.
  const size_t words = (states + 63) / 64;
  if (cost_.size() < kMaxStates * 2) cost_.assign(kMaxStates * 2, kInfinity);
  reached_.assign(words * 2, 0);
  // No clearing: back_ and value_ are read only for reachable states, which the day wrote.
  if (back_.size() < states * days) back_.resize(states * days);
  if (value_.size() < states * days) value_.resize(states * days);
  int64_t* cur = cost_.data();
  int64_t* next = cost_.data() + kMaxStates;
  uint64_t* curBits = reached_.data();
  uint64_t* nextBits = reached_.data() + words;
  auto reach = [](uint64_t* bits, size_t idx) { bits[idx >> 6] |= 1ULL << (idx & 63); };
  // Calls f(idx) for each state set in `bits`, in increasing order.
  auto forEach = [words](const uint64_t* bits, auto&& f) {
    for (size_t w = 0; w < words; ++w)
      for (uint64_t b = bits[w]; b != 0; b &= b - 1) f(w * 64 + std::countr_zero(b));
  };
  auto clearLayer = [&](int64_t* layer, uint64_t* bits) {
    forEach(bits, [&](size_t idx) { layer[idx] = kInfinity; });
    std::fill(bits, bits + words, 0);
  };

  // Day 0: every block starts at the horizon's edge.
  for (int v = kOff; v < shifts; ++v) {
    const int64_t cc = cellCost_[v + 1];
    if (cc >= kInfinity) continue;
    size_t idx;
    if (v == kOff) {
      idx = index(0, 1, 0, 0, 0);
    } else {
      int bucket = m_.paidMinutes(v) / g;
      if (maxMinutesHard && bucket > maxBucket) continue;
      bucket = std::min(bucket, maxBucket);
      const int w = weekendsHard && m_.weekendOf(0) >= 0 ? 1 : 0;
      if (w >= weekendDim) continue;
      idx = index(capOff + v * capWork, 1, bucket, w, v == tracked ? 1 : 0);
    }
    if (cc < cur[idx]) {
      cur[idx] = cc;
      reach(curBits, idx);
      value_[idx] = static_cast<int8_t>(v);
    }
  }

  for (int d = 1; d < days; ++d) {
    const int64_t* cells = cellCost_.data() + static_cast<size_t>(d) * values;
    const int weekend = weekendsHard ? m_.weekendOf(d) : -1;
    const bool weekendContinues = weekend >= 0 && m_.weekendOf(d - 1) == weekend;
    int32_t* backs = back_.data() + d * states;
    int8_t* vals = value_.data() + d * states;
    auto relax = [&](size_t to, int64_t total, size_t from, int v) {
      if (total < next[to]) {
        if (next[to] >= kInfinity) reach(nextBits, to);
        next[to] = total;
        backs[to] = static_cast<int32_t>(from);
        vals[to] = static_cast<int8_t>(v);
      }
    };
    forEach(curBits, [&](size_t from) {
      const int64_t base = cur[from];
      size_t rest = from;
      const int used = static_cast<int>(rest % typeDim);
      rest /= typeDim;
      const int w = static_cast<int>(rest % weekendDim);
      rest /= weekendDim;
      const int bucket = static_cast<int>(rest % buckets);
      rest /= buckets;
      const int flag = static_cast<int>(rest % 2);
      const int phase = static_cast<int>(rest / 2);
      const bool working = phase >= capOff;
      const int last = working ? (phase - capOff) / capWork : kOff;
      const int len = working ? (phase - capOff) % capWork + 1 : phase + 1;
      // Rest today.
      if (cells[0] < kInfinity && (!working || flag || len >= minCons)) {
        const size_t to = working ? index(0, 0, bucket, w, used)
                                  : index(std::min(phase + 1, capOff - 1), flag, bucket, w, used);
        relax(to, base + cells[0], from, kOff);
      }
      // Work shift v today.
      if (!working && !flag && len < minOff) return;
      if (working && len + 1 > maxCons) return;
      int nw = w;
      if (weekend >= 0 && !(weekendContinues && working)) {
        nw = w + 1;
        if (nw >= weekendDim) return;
      }
      for (int v = 0; v < shifts; ++v) {
        const int64_t cc = cells[v + 1];
        if (cc >= kInfinity) continue;
        if (working && successionHard && m_.forbidden(last, v)) continue;
        const int nu = used + (v == tracked);
        if (nu >= typeDim) continue;
        int nb = bucket + m_.paidMinutes(v) / g;
        if (nb > maxBucket) {
          if (maxMinutesHard) continue;
          nb = maxBucket;
        }
        const size_t to =
            working ? index(capOff + v * capWork + std::min(len + 1, capWork) - 1, flag, nb, nw, nu)
                    : index(capOff + v * capWork, 0, nb, nw, nu);
        relax(to, base + cc, from, v);
      }
    });
    clearLayer(cur, curBits);
    std::swap(cur, next);
    std::swap(curBits, nextBits);
  }

  size_t best = states;
  int64_t bestCost = kInfinity;
  forEach(curBits, [&](size_t idx) {
    if (cur[idx] >= bestCost) return;
    const int bucket =
        static_cast<int>((idx / (static_cast<size_t>(weekendDim) * typeDim)) % buckets);
    if (minMinutesHard && static_cast<int64_t>(bucket) * g < c.minTotalMinutes) return;
    best = idx;
    bestCost = cur[idx];
  });
  clearLayer(cur, curBits);
  if (best == states) return false;
  row.assign(days, kOff);
  size_t idx = best;
  for (int d = days - 1; d >= 0; --d) {
    row[d] = value_[d * states + idx];
    if (d > 0) idx = static_cast<size_t>(back_[d * states + idx]);
  }
  return true;
}

}  // namespace sukusuku::shifts::detail
