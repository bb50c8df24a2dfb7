#include "sukusuku/shifts/nursery.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

namespace sukusuku::shifts::nursery {

namespace {

// The statutory age groups: 0 | 1-2 | 3 | 4-5.
constexpr std::array<std::pair<int, int>, 4> kStatutoryGroups{{{0, 0}, {1, 2}, {3, 3}, {4, 5}}};

struct Group {
  int first;
  int last;
  int ratio;
};

// Statutory groups, split wherever the city's ratios differ inside one.
std::vector<Group> groupsOf(const RatioSetting& s) {
  std::vector<Group> out;
  for (auto [first, last] : kStatutoryGroups) {
    int start = first;
    for (int a = first + 1; a <= last + 1; ++a) {
      if (a > last || s.childrenPerCaregiver[a] != s.childrenPerCaregiver[start]) {
        out.push_back({start, a - 1, s.childrenPerCaregiver[start]});
        start = a;
      }
    }
  }
  return out;
}

std::string groupName(const Group& g) {
  return g.first == g.last ? std::to_string(g.first)
                           : std::to_string(g.first) + "-" + std::to_string(g.last);
}

void checkSetting(const RatioSetting& s) {
  for (int r : s.childrenPerCaregiver)
    if (r < 1) throw RosterError("shifts.invalid_ratio", "children per caregiver must be >= 1");
  if (s.qualifiedPercent < 0 || s.qualifiedPercent > 100)
    throw RosterError("shifts.invalid_ratio", "qualified percent must be 0..100");
  if (s.minimumWhileOpen < 0)
    throw RosterError("shifts.invalid_ratio", "minimum caregivers must not be negative");
}

}  // namespace

CareBand certifiedBand(CertifiedHours hours) {
  return hours == CertifiedHours::kStandard ? CareBand{7 * 60, 18 * 60}
                                            : CareBand{8 * 60 + 30, 16 * 60 + 30};
}

const char* roundingName(Rounding rounding) {
  switch (rounding) {
    case Rounding::kFundingTenths:
      return "funding_tenths";
    case Rounding::kCeilPerGroup:
      return "ceil_per_group";
    case Rounding::kCeilTotal:
      return "ceil_total";
  }
  return "funding_tenths";
}

Rounding parseRounding(const std::string& name) {
  for (Rounding r : {Rounding::kFundingTenths, Rounding::kCeilPerGroup, Rounding::kCeilTotal})
    if (name == roundingName(r)) return r;
  throw RosterError("shifts.invalid_rounding", "unknown rounding rule: " + name);
}

const RatioSetting& ratioOn(const std::vector<RatioSetting>& settings, const std::string& date) {
  const RatioSetting* best = nullptr;
  for (const RatioSetting& s : settings) {
    checkSetting(s);
    if (s.effectiveFrom <= date && (!best || s.effectiveFrom >= best->effectiveFrom)) best = &s;
  }
  if (!best)
    throw RosterError("shifts.no_ratio_setting", "no staffing ratio setting in force on " + date);
  return *best;
}

void SlotGrid::validate() const {
  if (slotMinutes != 15 && slotMinutes != 30)
    throw RosterError("shifts.invalid_slots", "slots must be 15 or 30 minutes");
  if (openMinute < 0 || closeMinute > 24 * 60 || openMinute >= closeMinute)
    throw RosterError("shifts.invalid_slots", "opening hours must be within one day, open < close");
  if (openMinute % slotMinutes != 0 || closeMinute % slotMinutes != 0)
    throw RosterError("shifts.invalid_slots", "opening and closing must fall on the slot grid");
}

std::string SlotGrid::label(int slot) const {
  const int m = slotStart(slot);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", m / 60, m % 60);
  return buf;
}

std::vector<AgeCounts> childrenPerSlot(const SlotGrid& grid,
                                       const std::vector<ExpectedChild>& children) {
  grid.validate();
  std::vector<AgeCounts> out(grid.slots(), AgeCounts{});
  for (const ExpectedChild& c : children) {
    if (c.age < 0 || c.age >= kAges)
      throw RosterError("shifts.invalid_child", "child age must be 0..5");
    if (c.endMinute <= c.startMinute)
      throw RosterError("shifts.invalid_child", "a child's care band must end after it starts");
    for (int s = 0; s < grid.slots(); ++s) {
      const int start = grid.slotStart(s);
      if (c.startMinute < start + grid.slotMinutes && c.endMinute > start) ++out[s][c.age];
    }
  }
  return out;
}

SlotRequirement requirementFor(const AgeCounts& children, const RatioSetting& setting) {
  checkSetting(setting);
  SlotRequirement out;
  int tenths = 0;
  int ceilPerGroup = 0;
  int64_t lcm = 1;
  const std::vector<Group> groups = groupsOf(setting);
  for (const Group& g : groups) lcm = std::lcm(lcm, static_cast<int64_t>(g.ratio));
  int64_t exact = 0;  // sum of children / ratio, in units of 1 / lcm
  for (const Group& g : groups) {
    int n = 0;
    for (int a = g.first; a <= g.last; ++a) {
      if (children[a] < 0) throw RosterError("shifts.invalid_child", "negative child count");
      n += children[a];
    }
    const int t = 10 * n / g.ratio;  // one decimal, truncated
    out.groups.push_back({groupName(g), n, t});
    out.children += n;
    tenths += t;
    ceilPerGroup += (n + g.ratio - 1) / g.ratio;
    exact += n * (lcm / g.ratio);
  }
  switch (setting.rounding) {
    case Rounding::kFundingTenths:
      out.byRatio = (tenths + 5) / 10;  // round half up
      break;
    case Rounding::kCeilPerGroup:
      out.byRatio = ceilPerGroup;
      break;
    case Rounding::kCeilTotal:
      out.byRatio = static_cast<int>((exact + lcm - 1) / lcm);
      break;
  }
  out.caregivers = std::max(out.byRatio, setting.minimumWhileOpen);
  out.qualified = (out.caregivers * setting.qualifiedPercent + 99) / 100;
  return out;
}

std::vector<SlotRequirement> requirementPerSlot(const std::vector<AgeCounts>& perSlot,
                                                const RatioSetting& setting) {
  std::vector<SlotRequirement> out;
  out.reserve(perSlot.size());
  for (const AgeCounts& c : perSlot) out.push_back(requirementFor(c, setting));
  return out;
}

void validatePattern(const ShiftPattern& p) {
  auto fail = [&](const std::string& why) {
    throw RosterError("shifts.invalid_pattern", "shift pattern " + p.id + ": " + why);
  };
  if (p.id.empty()) fail("needs an id");
  if (p.startMinute < 0 || p.endMinute > 24 * 60 || p.endMinute <= p.startMinute)
    fail("must start and end within one day, end after start");
  if (p.breakMinutes < 0 || p.paidMinutes() <= 0) fail("break longer than the shift");
  const int work = p.paidMinutes();
  if (work > 8 * 60 && p.breakMinutes < 60) fail("over 8 h of work needs a 60 min break");
  if (work > 6 * 60 && p.breakMinutes < 45) fail("over 6 h of work needs a 45 min break");
}

std::vector<ShiftPattern> defaultPatterns() {
  return {{"early", "早番", 7 * 60, 16 * 60, 60, false},
          {"middle", "中番", 8 * 60 + 30, 17 * 60 + 30, 60, false},
          {"late", "遅番", 10 * 60, 19 * 60, 60, false},
          {"part", "パート", 9 * 60, 15 * 60, 0, true}};
}

namespace {

// See nursery.h: shares each duty's expected total in proportion to contract minutes times
// available open days.
void addFairness(const NurseryMonth& month, Problem& p) {
  const int shifts = static_cast<int>(month.patterns.size());
  const int staff = static_cast<int>(month.staff.size());
  int earliest = INT_MAX;
  int latest = INT_MIN;
  for (const ShiftPattern& sp : month.patterns) {
    earliest = std::min(earliest, sp.startMinute);
    latest = std::max(latest, sp.endMinute);
  }
  int openDays = 0;
  for (const NurseryDay& day : month.days) openDays += day.open ? 1 : 0;
  if (openDays == 0 || staff == 0) return;
  std::vector<double> weight(staff, 0.0);
  for (int e = 0; e < staff; ++e) {
    const NurseryStaff& st = month.staff[e];
    int available = openDays;
    for (int d : st.unavailableDays)
      if (d >= 0 && d < month.horizonDays && month.days[d].open) --available;
    weight[e] = static_cast<double>(st.minutesPerWeek) * std::max(0, available) / openDays;
  }
  auto share = [&](FairnessTarget f, int total, const std::vector<bool>& eligible) {
    double sum = 0;
    for (int e = 0; e < staff; ++e)
      if (eligible[e]) sum += weight[e];
    f.target.assign(staff, -1);
    for (int e = 0; e < staff; ++e)
      if (eligible[e])
        f.target[e] = sum > 0 ? static_cast<int>(std::floor(total * weight[e] / sum + 0.5)) : 0;
    p.fairness.push_back(std::move(f));
  };
  auto duty = [&](const std::string& id, bool early) {
    FairnessTarget f;
    f.id = id;
    int point = -1;
    for (int s = 0; s < shifts; ++s) {
      const ShiftPattern& sp = month.patterns[s];
      if ((early ? sp.startMinute != earliest : sp.endMinute != latest)) continue;
      f.shifts.push_back(s);
      const std::vector<int>& points = p.shiftTypes[s].coverPoints;
      if (!points.empty()) point = early ? points.front() : points.back();
    }
    if (f.shifts.empty() || point < 0) return;
    int total = 0;
    for (const NurseryDay& day : month.days)
      if (day.open) total += day.slots[point].caregivers;
    std::vector<bool> eligible(staff, false);
    for (int e = 0; e < staff; ++e)
      for (int s : f.shifts)
        if (month.patterns[s].partTime == month.staff[e].partTime) eligible[e] = true;
    share(std::move(f), total, eligible);
  };
  duty("early", true);
  duty("late", false);
  // Weekends: the largest requirement of each weekend's open days.
  std::map<int, int> perWeekend;
  for (int d = 0; d < month.horizonDays; ++d) {
    const int weekday = (month.firstWeekday + d) % 7;
    if (weekday < 5 || !month.days[d].open) continue;
    int most = 0;
    for (const SlotRequirement& r : month.days[d].slots) most = std::max(most, r.caregivers);
    int& w = perWeekend[(month.firstWeekday + d) / 7];
    w = std::max(w, most);
  }
  if (!perWeekend.empty()) {
    int total = 0;
    for (const auto& [week, most] : perWeekend) total += most;
    FairnessTarget f;
    f.id = "weekends";
    f.weekends = true;
    share(std::move(f), total, std::vector<bool>(staff, true));
  }
}

}  // namespace

Problem buildProblem(const NurseryMonth& month) {
  month.grid.validate();
  if (month.horizonDays <= 0 || static_cast<int>(month.days.size()) != month.horizonDays)
    throw RosterError("shifts.invalid_model", "one NurseryDay per day of the horizon");
  if (month.patterns.empty()) throw RosterError("shifts.invalid_model", "no shift patterns");
  for (const ShiftPattern& p : month.patterns) validatePattern(p);
  const NurseryRules& rules = month.rules;

  Problem p;
  p.horizonDays = month.horizonDays;
  p.firstWeekday = month.firstWeekday;
  p.qualifications = {"hoikushi"};
  for (int s = 0; s < month.grid.slots(); ++s) p.coverPoints.push_back({month.grid.label(s)});
  for (const ShiftPattern& sp : month.patterns) {
    ShiftType t{sp.id, sp.startMinute, sp.endMinute, sp.breakMinutes, sp.paidMinutes(), {}};
    for (int s = 0; s < month.grid.slots(); ++s) {
      const int start = month.grid.slotStart(s);
      if (sp.startMinute <= start && start + month.grid.slotMinutes <= sp.endMinute)
        t.coverPoints.push_back(s);
    }
    p.shiftTypes.push_back(std::move(t));
  }
  const int shifts = static_cast<int>(month.patterns.size());
  for (int a = 0; a < shifts; ++a)
    for (int b = 0; b < shifts; ++b)
      if (24 * 60 - month.patterns[a].endMinute + month.patterns[b].startMinute <
          rules.minRestMinutes)
        p.forbiddenSuccessions.push_back({a, b});

  for (const NurseryStaff& st : month.staff) {
    Employee e;
    e.id = st.id;
    if (st.hoikushi) e.qualifications = {0};
    if (st.minutesPerWeek < 0)
      throw RosterError("shifts.invalid_model", "staff " + st.id + ": negative contract minutes");
    e.contract.maxTotalMinutes =
        static_cast<int>(static_cast<int64_t>(st.minutesPerWeek) * month.horizonDays / 7);
    e.contract.minTotalMinutes = std::max(0, e.contract.maxTotalMinutes - rules.minMinutesSlack);
    e.contract.maxConsecutiveShifts = rules.maxConsecutiveDays;
    e.contract.maxShiftsOfType.assign(shifts, 0);
    for (int s = 0; s < shifts; ++s)
      if (month.patterns[s].partTime == st.partTime) e.contract.maxShiftsOfType[s] = INT_MAX;
    for (int d = 0; d < month.horizonDays; ++d)
      if (!month.days[d].open) e.daysOff.push_back(d);
    for (int d : st.unavailableDays) {
      if (d < 0 || d >= month.horizonDays)
        throw RosterError("shifts.invalid_model", "staff " + st.id + ": day off out of range");
      if (month.days[d].open) e.daysOff.push_back(d);
    }
    const int index = static_cast<int>(p.employees.size());
    for (int d : st.requestedDaysOff) {
      if (d < 0 || d >= month.horizonDays)
        throw RosterError("shifts.invalid_model", "staff " + st.id + ": request out of range");
      p.requests.push_back({index, d, kAnyShift, false, rules.requestWeight});
    }
    for (const auto& [d, pattern] : st.requestedShifts) {
      if (d < 0 || d >= month.horizonDays)
        throw RosterError("shifts.invalid_model", "staff " + st.id + ": request out of range");
      if (pattern < 0 || pattern >= shifts)
        throw RosterError("shifts.invalid_model", "staff " + st.id + ": no such pattern");
      p.requests.push_back({index, d, pattern, true, rules.shiftRequestWeight});
    }
    p.employees.push_back(std::move(e));
  }

  for (int d = 0; d < month.horizonDays; ++d) {
    const NurseryDay& day = month.days[d];
    if (!day.open) continue;
    if (static_cast<int>(day.slots.size()) != month.grid.slots())
      throw RosterError("shifts.invalid_model",
                        "day " + std::to_string(d) + ": one requirement per slot");
    for (int s = 0; s < month.grid.slots(); ++s) {
      const SlotRequirement& r = day.slots[s];
      p.cover.push_back({d, s, kAnyQualification, r.caregivers, rules.underWeight,
                         rules.overWeight});
      if (r.qualified > 0) p.cover.push_back({d, s, 0, r.qualified, rules.underWeight, 0});
    }
  }

  p.rule(Rule::kDayOff) = {true, 1};
  p.rule(Rule::kShiftOnRequest) = {false, 1};
  p.rule(Rule::kShiftOffRequest) = {false, 1};
  p.rule(Rule::kMaxShiftsOfType) = {true, 1};
  p.rule(Rule::kMaxTotalMinutes) = {true, 1};
  p.rule(Rule::kMinTotalMinutes) = {false, 1};
  p.rule(Rule::kMaxConsecutiveShifts) = {true, 1};
  p.rule(Rule::kForbiddenSuccession) = {true, 1};
  p.rule(Rule::kCoverUnder) = {rules.coverHard, 1};
  p.rule(Rule::kCoverOver) = {false, 1};
  p.rule(Rule::kChangeFromPrevious) = {false, 5};
  p.rule(Rule::kFairness) = {false, rules.fairnessWeight};
  for (const auto& [rule, weight] : rules.overrides) p.rule(rule) = weight;
  if (p.rule(Rule::kFairness).hard || p.rule(Rule::kFairness).weight > 0)
    addFairness(month, p);
  validate(p);
  return p;
}

}  // namespace sukusuku::shifts::nursery
