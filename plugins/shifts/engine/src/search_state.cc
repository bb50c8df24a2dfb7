#include "search_state.h"

namespace sukusuku::shifts::detail {

SearchState::SearchState(const CostModel& model, const Roster& roster) : model_(model) {
  reset(roster);
}

void SearchState::reset(const Roster& roster) {
  roster_ = roster;
  commit();
  count_.assign(model_.requirements(), 0);
  employeeCost_.clear();
  total_ = Cost();
  for (int e = 0; e < model_.employees(); ++e) {
    employeeCost_.push_back(model_.employeeCost(e, roster_.row(e)));
    total_ += employeeCost_.back();
    for (int d = 0; d < model_.days(); ++d)
      if (roster_.at(e, d) != kOff)
        for (int r : model_.contributions(e, roster_.at(e, d), d)) ++count_[r];
  }
  for (int r = 0; r < model_.requirements(); ++r) total_ += model_.coverCost(r, count_[r]);
}

void SearchState::moveCover(int employee, int day, int shift, int delta) {
  if (shift == kOff) return;
  for (int r : model_.contributions(employee, shift, day)) {
    total_ -= model_.coverCost(r, count_[r]);
    count_[r] += delta;
    total_ += model_.coverCost(r, count_[r]);
  }
}

const Cost& SearchState::apply(const Change* changes, int count) {
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
  for (size_t t = frames_.back().touched; t < touchedLog_.size(); ++t) {
    const int e = touchedLog_[t].first;
    total_ -= employeeCost_[e];
    employeeCost_[e] = model_.employeeCost(e, roster_.row(e));
    total_ += employeeCost_[e];
  }
  return total_;
}

void SearchState::undo() {
  const Frame frame = frames_.back();
  frames_.pop_back();
  for (size_t i = changeLog_.size(); i-- > frame.changes;) {
    const Change& c = changeLog_[i];
    roster_.set(c.employee, c.day, c.from);
    if (c.to != kOff)
      for (int r : model_.contributions(c.employee, c.to, c.day)) --count_[r];
    if (c.from != kOff)
      for (int r : model_.contributions(c.employee, c.from, c.day)) ++count_[r];
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
