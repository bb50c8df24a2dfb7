#include "sukusuku/shifts/benchmark_format.h"

#include <charconv>
#include <fstream>
#include <map>

namespace sukusuku::shifts {

namespace {

[[noreturn]] void fail(int line, const std::string& message) {
  throw RosterError("shifts.parse_error", "line " + std::to_string(line) + ": " + message, line);
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(sep, start);
    parts.push_back(
        trim(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
    if (pos == std::string::npos) return parts;
    start = pos + 1;
  }
}

int toInt(const std::string& text, int line, const char* what) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end)
    fail(line, std::string("expected an integer for ") + what + ", got '" + text + "'");
  return value;
}

int toNonNegative(const std::string& text, int line, const char* what) {
  const int value = toInt(text, line, what);
  if (value < 0) fail(line, std::string(what) + " must not be negative");
  return value;
}

enum class Section {
  kNone,
  kHorizon,
  kShifts,
  kStaff,
  kDaysOff,
  kOnRequests,
  kOffRequests,
  kCover
};

struct PendingFollow {
  int shift;
  std::string id;
  int line;
};
struct PendingStaff {
  size_t staff;
  std::string spec;
  int line;
};

class Parser {
 public:
  BenchmarkInstance run(std::istream& in) {
    std::string raw;
    int line = 0;
    bool horizonSeen = false;
    while (std::getline(in, raw)) {
      ++line;
      const std::string text = trim(raw);
      if (text.empty() || text[0] == '#') continue;
      if (text.rfind("SECTION_", 0) == 0) {
        section_ = sectionOf(text, line);
        if (section_ == Section::kStaff) resolveFollows();
        if (section_ > Section::kStaff) resolveStaff();
        continue;
      }
      if (section_ != Section::kHorizon && section_ != Section::kNone && !horizonSeen)
        fail(line, "SECTION_HORIZON must come first");
      switch (section_) {
        case Section::kNone:
          fail(line, "data before the first SECTION_ header");
        case Section::kHorizon:
          if (horizonSeen) fail(line, "SECTION_HORIZON holds a single number");
          inst_.horizon = toInt(text, line, "horizon");
          if (inst_.horizon <= 0) fail(line, "horizon must be positive");
          horizonSeen = true;
          break;
        case Section::kShifts:
          shift(text, line);
          break;
        case Section::kStaff:
          staff(text, line);
          break;
        case Section::kDaysOff:
          daysOff(text, line);
          break;
        case Section::kOnRequests:
          request(text, line, inst_.onRequests);
          break;
        case Section::kOffRequests:
          request(text, line, inst_.offRequests);
          break;
        case Section::kCover:
          cover(text, line);
          break;
      }
    }
    resolveFollows();
    resolveStaff();
    if (!horizonSeen) fail(0, "missing SECTION_HORIZON");
    if (inst_.shifts.empty()) fail(0, "no shifts (SECTION_SHIFTS)");
    return std::move(inst_);
  }

 private:
  Section sectionOf(const std::string& text, int line) {
    static const std::map<std::string, Section> kSections = {
        {"SECTION_HORIZON", Section::kHorizon},
        {"SECTION_SHIFTS", Section::kShifts},
        {"SECTION_STAFF", Section::kStaff},
        {"SECTION_DAYS_OFF", Section::kDaysOff},
        {"SECTION_SHIFT_ON_REQUESTS", Section::kOnRequests},
        {"SECTION_SHIFT_OFF_REQUESTS", Section::kOffRequests},
        {"SECTION_COVER", Section::kCover}};
    auto it = kSections.find(text);
    if (it == kSections.end()) fail(line, "unknown section '" + text + "'");
    return it->second;
  }

  std::vector<std::string> fields(const std::string& text, int line, size_t want,
                                  const char* section) {
    std::vector<std::string> f = split(text, ',');
    if (f.size() != want)
      fail(line, std::string("expected ") + std::to_string(want) + " fields in " + section +
                     ", got " + std::to_string(f.size()));
    return f;
  }

  int employee(const std::string& id, int line) {
    const int e = inst_.employeeIndex(id);
    if (e < 0) fail(line, "unknown employee '" + id + "'");
    return e;
  }
  int shiftOf(const std::string& id, int line) {
    const int s = inst_.shiftIndex(id);
    if (s < 0) fail(line, "unknown shift '" + id + "'");
    return s;
  }
  int day(const std::string& text, int line) {
    const int d = toInt(text, line, "day");
    if (d < 0 || d >= inst_.horizon)
      fail(line, "day " + text + " outside the horizon 0.." + std::to_string(inst_.horizon - 1));
    return d;
  }

  void shift(const std::string& text, int line) {
    std::vector<std::string> f = fields(text, line, 3, "SECTION_SHIFTS");
    if (f[0].empty()) fail(line, "empty shift ID");
    if (inst_.shiftIndex(f[0]) >= 0) fail(line, "duplicate shift '" + f[0] + "'");
    if (inst_.shifts.size() >= static_cast<size_t>(kMaxShiftTypes)) fail(line, "too many shifts");
    inst_.shifts.push_back({f[0], toNonNegative(f[1], line, "shift length"), {}});
    if (!f[2].empty())
      for (const std::string& id : split(f[2], '|'))
        follows_.push_back({static_cast<int>(inst_.shifts.size()) - 1, id, line});
  }

  void resolveFollows() {
    for (const PendingFollow& p : follows_)
      inst_.shifts[p.shift].cannotFollow.push_back(shiftOf(p.id, p.line));
    follows_.clear();
  }

  void staff(const std::string& text, int line) {
    std::vector<std::string> f = fields(text, line, 8, "SECTION_STAFF");
    if (f[0].empty()) fail(line, "empty employee ID");
    if (inst_.employeeIndex(f[0]) >= 0) fail(line, "duplicate employee '" + f[0] + "'");
    BenchmarkInstance::Staff s;
    s.id = f[0];
    s.maxTotalMinutes = toNonNegative(f[2], line, "MaxTotalMinutes");
    s.minTotalMinutes = toNonNegative(f[3], line, "MinTotalMinutes");
    s.maxConsecutiveShifts = toNonNegative(f[4], line, "MaxConsecutiveShifts");
    s.minConsecutiveShifts = toNonNegative(f[5], line, "MinConsecutiveShifts");
    s.minConsecutiveDaysOff = toNonNegative(f[6], line, "MinConsecutiveDaysOff");
    s.maxWeekends = toNonNegative(f[7], line, "MaxWeekends");
    pendingStaff_.push_back({inst_.staff.size(), f[1], line});
    inst_.staff.push_back(std::move(s));
  }

  void resolveStaff() {
    for (const PendingStaff& p : pendingStaff_) {
      BenchmarkInstance::Staff& s = inst_.staff[p.staff];
      s.maxShifts.assign(inst_.shifts.size(), 0);
      if (p.spec.empty()) continue;
      for (const std::string& item : split(p.spec, '|')) {
        const size_t eq = item.find('=');
        if (eq == std::string::npos)
          fail(p.line, "expected ShiftID=max in MaxShifts, got '" + item + "'");
        s.maxShifts[shiftOf(trim(item.substr(0, eq)), p.line)] =
            toNonNegative(trim(item.substr(eq + 1)), p.line, "MaxShifts");
      }
    }
    pendingStaff_.clear();
  }

  void daysOff(const std::string& text, int line) {
    std::vector<std::string> f = split(text, ',');
    BenchmarkInstance::Staff& s = inst_.staff[employee(f[0], line)];
    for (size_t i = 1; i < f.size(); ++i)
      if (!f[i].empty()) s.daysOff.push_back(day(f[i], line));
  }

  void request(const std::string& text, int line, std::vector<BenchmarkInstance::Request>& out) {
    std::vector<std::string> f = fields(text, line, 4, "a request section");
    out.push_back({employee(f[0], line), day(f[1], line), shiftOf(f[2], line),
                   toNonNegative(f[3], line, "weight")});
  }

  void cover(const std::string& text, int line) {
    std::vector<std::string> f = fields(text, line, 5, "SECTION_COVER");
    inst_.cover.push_back({day(f[0], line), shiftOf(f[1], line),
                           toNonNegative(f[2], line, "requirement"),
                           toNonNegative(f[3], line, "weight for under"),
                           toNonNegative(f[4], line, "weight for over")});
  }

  BenchmarkInstance inst_;
  Section section_ = Section::kNone;
  std::vector<PendingFollow> follows_;
  std::vector<PendingStaff> pendingStaff_;
};

}  // namespace

int BenchmarkInstance::shiftIndex(const std::string& id) const {
  for (size_t i = 0; i < shifts.size(); ++i)
    if (shifts[i].id == id) return static_cast<int>(i);
  return -1;
}

int BenchmarkInstance::employeeIndex(const std::string& id) const {
  for (size_t i = 0; i < staff.size(); ++i)
    if (staff[i].id == id) return static_cast<int>(i);
  return -1;
}

BenchmarkInstance parseBenchmark(std::istream& in) { return Parser().run(in); }

BenchmarkInstance loadBenchmark(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw RosterError("shifts.io_error", "cannot read " + path);
  return parseBenchmark(in);
}

Problem toProblem(const BenchmarkInstance& inst) {
  Problem p;
  p.horizonDays = inst.horizon;
  p.firstWeekday = 0;  // all instances start on a Monday
  for (size_t s = 0; s < inst.shifts.size(); ++s) {
    const BenchmarkInstance::Shift& shift = inst.shifts[s];
    p.coverPoints.push_back({shift.id});
    p.shiftTypes.push_back({shift.id, 0, shift.minutes, 0, shift.minutes, {static_cast<int>(s)}});
    for (int next : shift.cannotFollow)
      p.forbiddenSuccessions.emplace_back(static_cast<int>(s), next);
  }
  for (const BenchmarkInstance::Staff& s : inst.staff) {
    Employee e;
    e.id = s.id;
    e.contract.maxShiftsOfType = s.maxShifts;
    e.contract.minTotalMinutes = s.minTotalMinutes;
    e.contract.maxTotalMinutes = s.maxTotalMinutes;
    e.contract.minConsecutiveShifts = s.minConsecutiveShifts;
    e.contract.maxConsecutiveShifts = s.maxConsecutiveShifts;
    e.contract.minConsecutiveDaysOff = s.minConsecutiveDaysOff;
    e.contract.maxWeekends = s.maxWeekends;
    e.daysOff = s.daysOff;
    p.employees.push_back(std::move(e));
  }
  for (const auto& r : inst.onRequests)
    p.requests.push_back({r.employee, r.day, r.shift, true, r.weight});
  for (const auto& r : inst.offRequests)
    p.requests.push_back({r.employee, r.day, r.shift, false, r.weight});
  for (const auto& c : inst.cover)
    p.cover.push_back(
        {c.day, c.shift, kAnyQualification, c.requirement, c.weightUnder, c.weightOver});
  for (Rule r : {Rule::kDayOff, Rule::kMaxShiftsOfType, Rule::kMaxTotalMinutes,
                 Rule::kMinTotalMinutes, Rule::kMaxConsecutiveShifts, Rule::kMinConsecutiveShifts,
                 Rule::kMinConsecutiveDaysOff, Rule::kMaxWeekends, Rule::kForbiddenSuccession})
    p.rule(r) = {true, 1};
  return p;
}

void writeRosterCsv(std::ostream& out, const BenchmarkInstance& inst, const Roster& roster) {
  out << "employee,day,shift\n";
  for (int e = 0; e < roster.employees(); ++e)
    for (int d = 0; d < roster.days(); ++d)
      if (roster.at(e, d) != kOff)
        out << inst.staff[e].id << ',' << d << ',' << inst.shifts[roster.at(e, d)].id << '\n';
}

Roster readRosterCsv(std::istream& in, const BenchmarkInstance& inst) {
  Roster roster(static_cast<int>(inst.staff.size()), inst.horizon);
  std::vector<char> seen(inst.staff.size() * inst.horizon, 0);
  std::string raw;
  int line = 0;
  bool header = false;
  while (std::getline(in, raw)) {
    ++line;
    const std::string text = trim(raw);
    if (text.empty()) continue;
    if (!header) {
      if (text != "employee,day,shift") fail(line, "expected header 'employee,day,shift'");
      header = true;
      continue;
    }
    std::vector<std::string> f = split(text, ',');
    if (f.size() != 3)
      fail(line, "expected 3 fields employee,day,shift, got " + std::to_string(f.size()));
    const int e = inst.employeeIndex(f[0]);
    if (e < 0) fail(line, "unknown employee '" + f[0] + "'");
    const int d = toInt(f[1], line, "day");
    if (d < 0 || d >= inst.horizon) fail(line, "day " + f[1] + " outside the horizon");
    const int s = inst.shiftIndex(f[2]);
    if (s < 0) fail(line, "unknown shift '" + f[2] + "'");
    if (seen[e * inst.horizon + d]) fail(line, "second assignment for " + f[0] + " on day " + f[1]);
    seen[e * inst.horizon + d] = 1;
    roster.set(e, d, s);
  }
  if (!header) fail(0, "empty roster file (no header)");
  return roster;
}

}  // namespace sukusuku::shifts
