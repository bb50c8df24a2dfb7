#include "search_state.h"

namespace sukusuku::shifts::detail {

SearchState::SearchState(const CostModel& model, const Roster& roster) : model_(model) {
  reset(roster);
}

void SearchState::reset(const Roster& roster) {
  roster_ = roster;
  commit();
  count_.assign(model_.requirements(), 0);
  minutes_.assign(model_.employees(), 0);
  typeCount_.assign(static_cast<size_t>(model_.employees()) * model_.shiftTypes(), 0);
  employeeCost_.clear();
  total_ = Cost();
  for (int e = 0; e < model_.employees(); ++e) {
    employeeCost_.push_back(model_.employeeCost(e, roster_.row(e)));
    total_ += employeeCost_.back();
    for (int d = 0; d < model_.days(); ++d)
      if (const int v = roster_.at(e, d); v != kOff) {
        for (int r : model_.contributions(e, v, d)) ++count_[r];
        minutes_[e] += model_.paidMinutes(v);
        ++typeCount_[static_cast<size_t>(e) * model_.shiftTypes() + v];
      }
  }
  for (int r = 0; r < model_.requirements(); ++r) total_ += model_.coverCost(r, count_[r]);
}

void SearchState::moveCover(int employee, int day, int shift, int delta) {
  if (shift == kOff) return;
  minutes_[employee] += delta * model_.paidMinutes(shift);
  typeCount_[static_cast<size_t>(employee) * model_.shiftTypes() + shift] += delta;
  for (int r : model_.contributions(employee, shift, day)) {
    total_ -= model_.coverCost(r, count_[r]);
    count_[r] += delta;
    total_ += model_.coverCost(r, count_[r]);
  }
}

void SearchState::applyCells(const Change* changes, int count) {
  frames_.push_back({changeLog_.size(), touchedLog_.size(), total_});
  for (int i = 0; i < count; ++i) {
    const Change& c = changes[i];
    bool seen = false;
    for (size_t t = frames_.back().touched; t < touchedLog_.size(); ++t)
      seen = seen || touchedLog_[t].first == c.employee;
    if (!seen) touchedLog_.emplace_back(c.employee, employeeCost_[c.employee]);
    moveCover(c.employee, c.day, c.from, -1);
    moveCover(c.employee, c.day, c.to, +1);
    roster_.set(c.employee, c.day, c.to);
    changeLog_.push_back(c);
  }
}

void SearchState::priceRows() {
  for (size_t t = frames_.back().touched; t < touchedLog_.size(); ++t) {
    const int e = touchedLog_[t].first;
    total_ -= employeeCost_[e];
    employeeCost_[e] = model_.employeeCost(e, roster_.row(e));
    total_ += employeeCost_[e];
  }
}

const Cost& SearchState::apply(const Change* changes, int count) {
  applyCells(changes, count);
  priceRows();
  return total_;
}

bool SearchState::applyUnless(const Change* changes, int count, int64_t hardWeight,
                              int64_t maxRise) {
  applyCells(changes, count);
  const Cost& before = frames_.back().total;
  // Rows are not repriced yet, so total_ differs from `before` by the cover alone.
  int64_t bound = (total_.hardUnits - before.hardUnits) * hardWeight + (total_.soft - before.soft);
  for (size_t t = frames_.back().touched; t < touchedLog_.size(); ++t) {
    const int e = touchedLog_[t].first;
    const Cost& old = employeeCost_[e];
    // A row's soft part never goes below zero; a clean row that breaks a hard rule gains at
    // least one hard unit.
    if (old.hardUnits == 0 && breaksLocalRule(e)) {
      bound += hardWeight - old.soft;
    } else {
      bound -= old.hardUnits * hardWeight + old.soft;
    }
  }
  if (bound > maxRise) {
    undo();
    return false;
  }
  priceRows();
  return true;
}

bool SearchState::breaksLocalRule(int e) const {
  const Contract& c = model_.problem().employees[e].contract;
  auto hard = [&](Rule r) { return model_.rule(r).hard; };
  if (hard(Rule::kMaxTotalMinutes) && minutes_[e] > c.maxTotalMinutes) return true;
  if (hard(Rule::kMinTotalMinutes) && minutes_[e] < c.minTotalMinutes) return true;
  if (hard(Rule::kMaxShiftsOfType)) {
    const int* counts = typeCount_.data() + static_cast<size_t>(e) * model_.shiftTypes();
    for (int s = 0; s < model_.shiftTypes(); ++s)
      if (counts[s] > model_.maxOfType(e, s)) return true;
  }
  const int days = model_.days();
  const int* row = roster_.row(e);
  const bool succession = hard(Rule::kForbiddenSuccession);
  const bool maxCons = hard(Rule::kMaxConsecutiveShifts);
  const bool minCons = hard(Rule::kMinConsecutiveShifts);
  const bool minOff = hard(Rule::kMinConsecutiveDaysOff);
  // The same tests as CostModel::scanSequence, on the runs through and beside each changed day.
  auto runBreaks = [&](int p) {
    const bool working = row[p] != kOff;
    int start = p;
    while (start > 0 && (row[start - 1] != kOff) == working) --start;
    int end = p;
    while (end + 1 < days && (row[end + 1] != kOff) == working) ++end;
    const int len = end - start + 1;
    const bool inside = start > 0 && end + 1 < days;
    if (working) {
      if (maxCons && len > c.maxConsecutiveShifts) return true;
      if (minCons && inside && len < c.minConsecutiveShifts) return true;
    } else if (minOff && inside && len < c.minConsecutiveDaysOff) {
      return true;
    }
    return false;
  };
  for (size_t i = frames_.back().changes; i < changeLog_.size(); ++i) {
    const Change& ch = changeLog_[i];
    if (ch.employee != e) continue;
    const int d = ch.day;
    if (succession && row[d] != kOff) {
      if (d > 0 && row[d - 1] != kOff && model_.forbidden(row[d - 1], row[d])) return true;
      if (d + 1 < days && row[d + 1] != kOff && model_.forbidden(row[d], row[d + 1])) return true;
    }
    if (runBreaks(d)) return true;
    if (d > 0 && (row[d - 1] != kOff) != (row[d] != kOff) && runBreaks(d - 1)) return true;
    if (d + 1 < days && (row[d + 1] != kOff) != (row[d] != kOff) && runBreaks(d + 1)) return true;
  }
  return false;
}

void SearchState::undo() {
  const Frame frame = frames_.back();
  frames_.pop_back();
  for (size_t i = changeLog_.size(); i-- > frame.changes;) {
    const Change& c = changeLog_[i];
    roster_.set(c.employee, c.day, c.from);
    const size_t types = static_cast<size_t>(c.employee) * model_.shiftTypes();
    if (c.to != kOff) {
      for (int r : model_.contributions(c.employee, c.to, c.day)) --count_[r];
      minutes_[c.employee] -= model_.paidMinutes(c.to);
      --typeCount_[types + c.to];
    }
    if (c.from != kOff) {
      for (int r : model_.contributions(c.employee, c.from, c.day)) ++count_[r];
      minutes_[c.employee] += model_.paidMinutes(c.from);
      ++typeCount_[types + c.from];
    }
  }
  for (size_t t = frame.touched; t < touchedLog_.size(); ++t)
    employeeCost_[touchedLog_[t].first] = touchedLog_[t].second;
  changeLog_.resize(frame.changes);
  touchedLog_.resize(frame.touched);
  total_ = frame.total;
}

void SearchState::commit() {
  frames_.clear();
  changeLog_.clear();
  touchedLog_.clear();
}

}  // namespace sukusuku::shifts::detail
