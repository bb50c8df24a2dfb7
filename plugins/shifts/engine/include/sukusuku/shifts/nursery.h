// The nursery model (保育所の職員配置): how many caregivers a nursery needs in every time slot,
// and the rostering Problem that asks the engine to meet it.
//
// Requirement. The day from opening to closing is cut into slots of 15 or 30 minutes. For each
// slot the children expected by age (0..5, age on April 1) come from planned attendance, from
// each child's certified band (保育標準時間 7:00-18:00 / 保育短時間 8:30-16:30) when no plan
// exists, or from counts a head typed in. The municipality's ratio setting (児童福祉施設の設備及び
// 運営に関する基準 第33条, with an effective date) turns counts into caregivers per age group:
//   groups 0 | 1-2 | 3 | 4-5 (split further when a city sets different ratios inside a group,
//   e.g. 1-year-olds at 5 from FY2025);
//   Rounding::kFundingTenths (公定価格, the default): per group children / ratio to one decimal,
//     truncated; add the groups; round half up to a whole number;
//   Rounding::kCeilPerGroup: every group rounded up on its own (one room per group);
//   Rounding::kCeilTotal: the exact sum of children / ratio, rounded up.
// Never fewer than minimumWhileOpen (2) while open, whatever the count. qualifiedPercent of the
// required caregivers (rounded up) must hold the 保育士 certificate.
//
// Problem. One cover point per slot; a shift pattern (早番・中番・遅番・パート, configurable per
// facility) counts towards every slot it spans whole. Where in the shift the break falls is not
// modelled (breaks are staggered during nap time). Per slot two requirements: all caregivers,
// and 保育士 only. Labour rules: paid minutes within the contract averaged over the month
// (1ヶ月単位の変形労働時間制, hard maximum, soft minimum), at most maxConsecutiveDays in a row
// (hard), minimum rest between shifts (勤務間インターバル, hard: patterns closer than it may not
// follow each other), closed days and unavailable days off (hard), requested days off (希望休,
// soft), full-time staff on full-time patterns and part-time staff on part-time ones (hard).
//
// Pure functions over plain values; thread-safe. Bad input throws RosterError with a stable code.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sukusuku/shifts/model.h"

namespace sukusuku::shifts::nursery {

inline constexpr int kAges = 6;
using AgeCounts = std::array<int, kAges>;  // children per age 0..5

// 保育認定の区分: the band a child may be in care when no plan says otherwise.
enum class CertifiedHours { kStandard, kShort };
struct CareBand {
  int startMinute = 0;
  int endMinute = 0;
};
// 保育標準時間 7:00-18:00, 保育短時間 8:30-16:30.
CareBand certifiedBand(CertifiedHours hours);

struct ExpectedChild {
  int age = 0;  // 0..5
  int startMinute = 0;
  int endMinute = 0;
};

enum class Rounding { kFundingTenths, kCeilPerGroup, kCeilTotal };
// "funding_tenths", "ceil_per_group", "ceil_total"; parse throws shifts.invalid_rounding.
const char* roundingName(Rounding rounding);
Rounding parseRounding(const std::string& name);

struct RatioSetting {
  std::string effectiveFrom = "2024-04-01";  // YYYY-MM-DD
  AgeCounts childrenPerCaregiver{3, 6, 6, 15, 25, 25};
  Rounding rounding = Rounding::kFundingTenths;
  int minimumWhileOpen = 2;
  int qualifiedPercent = 100;
};

// The setting in force on DATE: the latest effectiveFrom <= DATE. Throws
// RosterError("shifts.no_ratio_setting") when none is in force, ("shifts.invalid_ratio") for a
// ratio < 1 or a percent outside 0..100.
const RatioSetting& ratioOn(const std::vector<RatioSetting>& settings, const std::string& date);

// Opening hours cut into slots. Throws RosterError("shifts.invalid_slots") unless slotMinutes
// is 15 or 30 and open < close, both on the slot grid, within one day.
struct SlotGrid {
  int openMinute = 7 * 60;
  int closeMinute = 19 * 60;
  int slotMinutes = 30;

  void validate() const;
  int slots() const { return (closeMinute - openMinute) / slotMinutes; }
  int slotStart(int slot) const { return openMinute + slot * slotMinutes; }
  std::string label(int slot) const;  // "07:00"
};

// Children present in each slot: a child counts in a slot its band overlaps at all. Throws
// RosterError("shifts.invalid_child") for an age outside 0..5 or an empty band.
std::vector<AgeCounts> childrenPerSlot(const SlotGrid& grid,
                                       const std::vector<ExpectedChild>& children);

struct GroupNeed {
  std::string group;  // "0", "1-2", "3", "4-5" (or "1", "2" when their ratios differ)
  int children = 0;
  int tenths = 0;  // children / ratio in tenths, truncated (shown on the ratio chart)
};

struct SlotRequirement {
  int children = 0;
  std::vector<GroupNeed> groups;
  int byRatio = 0;     // caregivers by the rounding rule, before the minimum
  int caregivers = 0;  // max(byRatio, minimumWhileOpen)
  int qualified = 0;   // of which 保育士
};

SlotRequirement requirementFor(const AgeCounts& children, const RatioSetting& setting);
std::vector<SlotRequirement> requirementPerSlot(const std::vector<AgeCounts>& perSlot,
                                                const RatioSetting& setting);

// 勤務パターン. Throws RosterError("shifts.invalid_pattern") from validatePattern for times
// outside 0..1440, end <= start, or a break shorter than the Labour Standards Act asks
// (Art. 34: 45 min over 6 h of work, 60 min over 8 h).
struct ShiftPattern {
  std::string id;    // "early"
  std::string name;  // "早番"
  int startMinute = 0;
  int endMinute = 0;
  int breakMinutes = 0;
  bool partTime = false;
  int paidMinutes() const { return endMinute - startMinute - breakMinutes; }
};
void validatePattern(const ShiftPattern& pattern);
// 早番 7:00-16:00, 中番 8:30-17:30, 遅番 10:00-19:00 (60 min breaks), パート 9:00-15:00.
std::vector<ShiftPattern> defaultPatterns();

struct NurseryStaff {
  std::string id;
  bool hoikushi = true;  // holds the 保育士 certificate
  bool partTime = false;
  int minutesPerWeek = 2400;
  std::vector<int> unavailableDays;  // hard days off (有給, 研修, ...)
  std::vector<int> requestedDaysOff;  // 希望休 (soft)
  // 希望シフト (soft): (day, pattern index) — asks to work that pattern that day.
  std::vector<std::pair<int, int>> requestedShifts;
};

struct NurseryRules {
  int maxConsecutiveDays = 6;
  int minRestMinutes = 11 * 60;
  int requestWeight = 1000;  // per requested day off not granted (希望休 weigh heavily)
  int shiftRequestWeight = 200;  // per requested shift (希望シフト) not given
  int overWeight = 1;      // per caregiver above the requirement in a slot
  int underWeight = 1000;  // per caregiver short, when cover is soft
  bool coverHard = true;   // the ratio is law: a shortfall is a hard violation
  int minMinutesSlack = 480;  // the soft minimum is the contract's share less this
  int fairnessWeight = 20;    // per early/late shift or weekend beyond an employee's fair share
  // A facility's own settings (hard or soft, weight) per rule, applied last, over the defaults
  // above.
  std::vector<std::pair<Rule, RuleWeight>> overrides;
};

struct NurseryDay {
  bool open = true;
  std::vector<SlotRequirement> slots;  // one per grid slot when open
};

struct NurseryMonth {
  int horizonDays = 0;
  int firstWeekday = 0;  // 0 = Monday
  SlotGrid grid;
  std::vector<NurseryDay> days;
  std::vector<ShiftPattern> patterns;
  std::vector<NurseryStaff> staff;
  NurseryRules rules;
};

// Fairness (公平性): three FairnessTargets, "early" (the patterns starting earliest), "late"
// (those ending latest) and "weekends" (weekends worked). The duty's expected total is the
// requirement at the first (last) slot the early (late) patterns cover, summed over open days,
// and for weekends the largest requirement of each weekend's open days, summed; each employee
// who may work such a pattern (for weekends: who may work at all) gets a share in proportion to
// contract minutes times the open days they are available, rounded half up; tolerance 1.
// Soft by default with weight rules.fairnessWeight; no targets when the weight is 0 and no
// override makes the rule hard.
//
// The Problem for the month: shift types = patterns in order, employees = staff in order,
// qualification 0 = "hoikushi", cover point i = grid slot i. Throws RosterError for an
// inconsistent month (shifts.invalid_model, shifts.invalid_slots, shifts.invalid_pattern).
Problem buildProblem(const NurseryMonth& month);

}  // namespace sukusuku::shifts::nursery
