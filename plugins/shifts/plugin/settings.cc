#include "settings.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "planner.h"
#include "sukusuku/error.h"
#include "sukusuku/shifts/model.h"
#include "sukusuku/shifts/nursery.h"

namespace sukusuku::shifts::plugin {

namespace {

[[noreturn]] void refuse(const std::string& code, const std::string& message, size_t row,
                         const std::string& field,
                         nlohmann::json extra = nlohmann::json::object()) {
  extra["row"] = row + 1;
  extra["field"] = field;
  throw Error::invalid(code, message, extra);
}

// parseClock with the row and field the form needs.
int clockOf(const std::string& text, size_t row, const std::string& field) {
  try {
    return parseClock(text);
  } catch (const Error&) {
    refuse("shifts.invalid_time", "times are HH:MM", row, field);
  }
}

bool validCode(const std::string& code) {
  return !code.empty() && code.size() <= 20 &&
         std::all_of(code.begin(), code.end(), [](unsigned char c) {
           return std::islower(c) || std::isdigit(c) || c == '_' || c == '-';
         });
}

}  // namespace

void savePatterns(db::Tx& tx, int64_t municipality, int64_t facility,
                  const std::vector<PatternInput>& inputs) {
  std::map<int64_t, std::string> stored;  // id -> code
  std::map<int64_t, std::string> storedTimes;  // id -> what a published rota printed
  for (const db::Row& r : tx.query("SELECT id, code, starts_at, ends_at, break_minutes, part_time "
                                   "FROM shift_patterns WHERE facility_id = ? AND "
                                   "municipality_id = ?",
                                   {facility, municipality})) {
    stored[r.getInt("id")] = r.getText("code");
    storedTimes[r.getInt("id")] = r.getText("starts_at") + "-" + r.getText("ends_at") + "/" +
                                  std::to_string(r.getInt("break_minutes")) +
                                  (r.getBool("part_time") ? "p" : "");
  }
  std::set<std::string> codes;
  std::set<std::string> taken;  // codes a made-up one must not take
  for (const auto& [id, code] : stored) taken.insert(code);
  for (const PatternInput& p : inputs) taken.insert(p.code);
  std::vector<PatternInput> kept;
  std::map<int64_t, size_t> rowOf;  // stored id -> its input row
  int fresh = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    PatternInput p = inputs[i];
    if (p.id != 0 && !stored.count(p.id))
      refuse("shifts.unknown_pattern", "no such pattern at this facility", i, "id");
    if (p.id) rowOf[p.id] = i;
    if (p.remove) continue;
    if (p.code.empty() && p.id) p.code = stored[p.id];
    while (p.code.empty() || (inputs[i].code.empty() && p.id == 0 && taken.count(p.code)))
      p.code = "p" + std::to_string(++fresh);
    if (!validCode(p.code))
      refuse("shifts.invalid_pattern", "a code is 1-20 of a-z, 0-9, _ and -", i, "code");
    if (!codes.insert(p.code).second)
      refuse("shifts.duplicate_pattern", "two patterns with code " + p.code, i, "code");
    if (p.name.empty() || p.name.size() > 60)
      refuse("shifts.invalid_pattern", "a pattern needs a name", i, "name");
    nursery::ShiftPattern sp{p.code,
                             p.name,
                             clockOf(p.startsAt, i, "starts_at"),
                             clockOf(p.endsAt, i, "ends_at"),
                             static_cast<int>(std::clamp<int64_t>(p.breakMinutes, -1, 24 * 60)),
                             p.partTime};
    try {
      nursery::validatePattern(sp);
    } catch (const RosterError& e) {
      const std::string field = sp.endMinute <= sp.startMinute ? "ends_at" : "break_minutes";
      refuse("shifts.invalid_pattern", e.what(), i, field,
             {{"reason", sp.endMinute <= sp.startMinute                 ? "end_before_start"
                         : sp.breakMinutes < 0 || sp.paidMinutes() <= 0 ? "break_too_long"
                                                                        : "break_too_short"}});
    }
    // A published rota shows its patterns' times and counts their hours: those of a pattern it
    // uses stay as they were (the head adds a new pattern instead).
    const std::string times = formatClock(sp.startMinute) + "-" + formatClock(sp.endMinute) +
                              "/" + std::to_string(sp.breakMinutes) + (sp.partTime ? "p" : "");
    if (p.id && storedTimes[p.id] != times &&
        tx.queryOne("SELECT c.id FROM shift_roster_cells c JOIN shift_rosters r ON r.id = "
                    "c.roster_id WHERE c.pattern_id = ? AND r.state = 'published' AND "
                    "c.municipality_id = ? LIMIT 1",
                    {p.id, municipality}))
      throw Error::conflict("shifts.pattern_in_published_rota",
                            "a published rota uses pattern " + stored[p.id] +
                                ": its times cannot change; add a new pattern",
                            {{"row", i + 1}, {"field", "starts_at"}, {"code", stored[p.id]}});
    kept.push_back(p);
  }
  if (kept.empty())
    throw Error::invalid("shifts.no_patterns", "a facility needs at least one pattern",
                         {{"row", 1}, {"field", "name"}});
  // Removed ones go first so that a code may move to another row in the same save.
  std::set<int64_t> keptIds;
  for (const PatternInput& p : kept) keptIds.insert(p.id);
  for (const auto& [id, code] : stored) {
    if (keptIds.count(id)) continue;
    if (tx.queryOne("SELECT id FROM shift_roster_cells WHERE pattern_id = ? AND "
                    "municipality_id = ? LIMIT 1",
                    {id, municipality}))
      throw Error::conflict(
          "shifts.pattern_in_use", "a rota uses pattern " + code + "; change those cells first",
          {{"row", rowOf.count(id) ? rowOf[id] + 1 : 0}, {"field", "remove"}, {"code", code}});
    tx.execute("DELETE FROM shift_patterns WHERE id = ?", {id});
  }
  for (const auto& [id, code] : stored)  // codes free while rows are renamed
    if (keptIds.count(id))
      tx.execute("UPDATE shift_patterns SET code = ? WHERE id = ?", {"~" + std::to_string(id), id});
  int order = 0;
  for (const PatternInput& p : kept) {
    ++order;
    if (p.id) {
      tx.execute(
          "UPDATE shift_patterns SET code = ?, name = ?, starts_at = ?, ends_at = ?, "
          "break_minutes = ?, part_time = ?, sort_order = ? WHERE id = ? AND "
          "municipality_id = ?",
          {p.code, p.name, formatClock(parseClock(p.startsAt)), formatClock(parseClock(p.endsAt)),
           p.breakMinutes, p.partTime, order, p.id, municipality});
    } else {
      tx.execute(
          "INSERT INTO shift_patterns (municipality_id, facility_id, code, name, "
          "starts_at, ends_at, break_minutes, part_time, sort_order) VALUES (?, ?, ?, ?, "
          "?, ?, ?, ?, ?)",
          {municipality, facility, p.code, p.name, formatClock(parseClock(p.startsAt)),
           formatClock(parseClock(p.endsAt)), p.breakMinutes, p.partTime, order});
    }
  }
}

std::array<int64_t, 6> legalRatioOn(const std::string& date) {
  if (date >= "2024-04-01") return {3, 6, 6, 15, 25, 25};
  return {3, 6, 6, 20, 30, 30};
}

void saveRatios(db::Tx& tx, int64_t municipality, const std::vector<RatioInput>& inputs) {
  if (inputs.empty())
    throw Error::invalid("shifts.no_ratio_setting", "a city needs at least one ratio setting",
                         {{"row", 1}, {"field", "effective_from"}});
  std::set<std::string> dates;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const RatioInput& in = inputs[i];
    try {
      weekdayOf(in.effectiveFrom);  // a real calendar date
    } catch (const Error&) {
      refuse("shifts.invalid_date", "effective from: YYYY-MM-DD", i, "effective_from");
    }
    if (!dates.insert(in.effectiveFrom).second)
      refuse("shifts.duplicate_date", "two settings from " + in.effectiveFrom, i, "effective_from");
    const auto legal = legalRatioOn(in.effectiveFrom);
    for (size_t a = 0; a < 6; ++a) {
      if (in.childrenPerCaregiver[a] < 1)
        refuse("shifts.invalid_ratio", "children per caregiver is at least 1", i,
               "age" + std::to_string(a));
      if (in.childrenPerCaregiver[a] > legal[a])
        refuse("shifts.ratio_too_loose",
               "age " + std::to_string(a) + ": at most " + std::to_string(legal[a]) +
                   " children per caregiver",
               i, "age" + std::to_string(a), {{"age", a}, {"max", legal[a]}});
    }
    try {
      nursery::parseRounding(in.rounding);
    } catch (const RosterError&) {
      refuse("shifts.invalid_rounding", "unknown rounding rule", i, "rounding");
    }
    if (in.minimumWhileOpen < 2 || in.minimumWhileOpen > 50)
      refuse("shifts.invalid_minimum", "never fewer than two caregivers while open", i,
             "minimum_while_open");
    if (in.qualifiedPercent < 0 || in.qualifiedPercent > 100)
      refuse("shifts.invalid_percent", "a percentage is 0..100", i, "qualified_percent");
  }
  tx.execute("DELETE FROM shift_ratio_settings WHERE municipality_id = ?", {municipality});
  for (const RatioInput& in : inputs) {
    const auto& r = in.childrenPerCaregiver;
    tx.execute(
        "INSERT INTO shift_ratio_settings (municipality_id, effective_from, age0, age1, "
        "age2, age3, age4, age5, rounding, minimum_while_open, qualified_percent) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {municipality, in.effectiveFrom, r[0], r[1], r[2], r[3], r[4], r[5], in.rounding,
         in.minimumWhileOpen, in.qualifiedPercent});
  }
}

void saveExpected(db::Tx& tx, int64_t municipality, int64_t facility,
                  const std::set<int64_t>& weekdays, const std::vector<ExpectedInput>& inputs) {
  for (int64_t w : weekdays)
    if (w < 0 || w > 6)
      throw Error::invalid("shifts.invalid_weekday", "weekdays are 0 (Monday) to 6",
                           {{"row", 1}, {"field", "weekday"}});
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ExpectedInput& in = inputs[i];
    if (!weekdays.count(in.weekday))
      refuse("shifts.invalid_weekday", "weekdays are 0 (Monday) to 6", i, "weekday");
    if (in.age < 0 || in.age >= nursery::kAges)
      refuse("shifts.unknown_age_group", "ages are 0 to 5", i, "age");
    const int arrive = clockOf(in.arriveAt, i, "arrive_at");
    const int leave = clockOf(in.leaveAt, i, "leave_at");
    if (leave <= arrive)
      refuse("shifts.invalid_band", "leaving must be after arriving", i, "leave_at");
    if (in.children < 0 || in.children > 500)
      refuse("shifts.invalid_count", "children: 0 to 500", i, "children");
  }
  for (int64_t w : weekdays)
    tx.execute(
        "DELETE FROM shift_expected_children WHERE facility_id = ? AND municipality_id = ? "
        "AND weekday = ?",
        {facility, municipality, w});
  for (const ExpectedInput& in : inputs) {
    if (in.children == 0) continue;
    tx.execute(
        "INSERT INTO shift_expected_children (municipality_id, facility_id, weekday, age, "
        "arrive_at, leave_at, children) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {municipality, facility, in.weekday, in.age, formatClock(parseClock(in.arriveAt)),
         formatClock(parseClock(in.leaveAt)), in.children});
  }
}

void saveFacilitySettings(db::Tx& tx, int64_t municipality, int64_t facility,
                          const FacilitySettings& s, const std::string& now) {
  auto refuseField = [](const std::string& code, const std::string& message,
                        const std::string& field) {
    throw Error::invalid(code, message, {{"field", field}});
  };
  auto clock = [&](const std::string& text, const std::string& field) {
    try {
      return parseClock(text);
    } catch (const Error&) {
      refuseField("shifts.invalid_time", "times are HH:MM", field);
    }
    return 0;
  };
  if (s.slotMinutes != 15 && s.slotMinutes != 30)
    refuseField("shifts.invalid_slot_minutes", "slots are 15 or 30 minutes", "slot_minutes");
  const int opens = clock(s.opensAt, "opens_at");
  const int closes = clock(s.closesAt, "closes_at");
  if (closes <= opens || opens % s.slotMinutes != 0 || closes % s.slotMinutes != 0)
    refuseField("shifts.invalid_opening", "closing must be after opening, both on the slot grid",
                "closes_at");
  if (s.requestDeadlineDay < 1 || s.requestDeadlineDay > 28)
    refuseField("shifts.invalid_deadline_day", "the deadline is a day 1 to 28",
                "request_deadline_day");
  if (s.maxConsecutiveDays < 1 || s.maxConsecutiveDays > 12)
    refuseField("shifts.invalid_max_consecutive", "1 to 12 consecutive working days",
                "max_consecutive_days");
  if (s.minRestMinutes < 0 || s.minRestMinutes > 1440)
    refuseField("shifts.invalid_min_rest", "rest between shifts: 0 to 1440 minutes",
                "min_rest_minutes");
  const db::Params values{s.slotMinutes,
                          formatClock(opens),
                          formatClock(closes),
                          s.openSaturday,
                          s.openHolidays,
                          s.requestDeadlineDay,
                          s.maxConsecutiveDays,
                          s.minRestMinutes,
                          now,
                          facility,
                          municipality};
  if (tx.queryOne("SELECT id FROM shift_settings WHERE facility_id = ? AND municipality_id = ?",
                  {facility, municipality})) {
    tx.execute(
        "UPDATE shift_settings SET slot_minutes = ?, opens_at = ?, closes_at = ?, "
        "open_saturday = ?, open_holidays = ?, request_deadline_day = ?, "
        "max_consecutive_days = ?, min_rest_minutes = ?, updated_at = ? WHERE facility_id = ? "
        "AND municipality_id = ?",
        values);
  } else {
    tx.execute(
        "INSERT INTO shift_settings (slot_minutes, opens_at, closes_at, open_saturday, "
        "open_holidays, request_deadline_day, max_consecutive_days, min_rest_minutes, "
        "updated_at, facility_id, municipality_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values);
  }
}

}  // namespace sukusuku::shifts::plugin
