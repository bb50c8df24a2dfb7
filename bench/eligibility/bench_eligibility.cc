// bench_eligibility [--households N] [--rules DIR] [--engine-only]
//
// Generates N households (default 1,000,000) deterministically and, single-threaded:
//  1. evaluates every programme in the rules directory for each household (the engine);
//  2. computes 児童手当 alone with hand-written C++ (the anchor: what one programme costs with no
//     rule engine at all) and checks that both give the same total;
//  3. reloads the rule files for each of a few thousand households (what evaluating without a
//     compiled form would cost at best).
// Prints households per second for each and the ratios. Target: >= 100,000 households/s for 1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "sukusuku/eligibility/engine.h"

namespace {

using namespace sukusuku::eligibility;

constexpr const char* kDate = "2025-02-15";

std::vector<Household> generate(size_t count, Date on) {
  std::mt19937_64 rng(20250215);  // fixed seed: the same households on every run
  auto pick = [&](uint64_t n) { return rng() % n; };
  std::vector<Household> households(count);
  for (Household& h : households) {
    h.municipality = pick(3) == 0 ? "大阪府大阪市" : "東京都杉並区";
    h.single_parent = pick(8) == 0;
    h.resident_tax_exempt = pick(6) == 0;
    h.income_yen = static_cast<int64_t>(pick(7'000'000));
    h.dependants = static_cast<int>(pick(5));
    h.child_support_received_yen = pick(4) == 0 ? static_cast<int64_t>(pick(600'000)) : 0;
    h.guardians_supporting_over_18 = pick(2) == 0;
    const int children = static_cast<int>(pick(5));  // 0..4
    for (int c = 0; c < children; ++c) {
      Child child;
      child.birth_date = Date{on.days - static_cast<int32_t>(pick(24 * 365))};
      child.disability_grade = pick(20) == 0 ? static_cast<int>(1 + pick(2)) : 0;
      child.in_licensed_care = pick(3) == 0;
      h.children.push_back(child);
    }
  }
  return households;
}

// 児童手当 from October 2024, by hand: the floor for one programme.
int64_t handWrittenJidouTeate(const Household& h, Date on) {
  struct Kid {
    Date birth;
    int index;
    bool eligible;
    bool counted;
  };
  Kid kids[kMaxChildren];
  const int n = static_cast<int>(h.children.size());
  for (int i = 0; i < n; ++i) {
    const Date birth = *h.children[i].birth_date;
    const bool eligible = on <= firstMarch31AfterAge(birth, 18);
    const bool counted =
        eligible || (on <= firstMarch31AfterAge(birth, 22) && *h.guardians_supporting_over_18);
    kids[i] = Kid{birth, i, eligible, counted};
  }
  const Date month = monthStart(on);
  int64_t total = 0;
  for (int i = 0; i < n; ++i) {
    if (!kids[i].eligible) continue;
    int rank = 1;
    for (int j = 0; j < n; ++j) {
      if (kids[j].counted &&
          (kids[j].birth < kids[i].birth || (kids[j].birth == kids[i].birth && j < i))) {
        ++rank;
      }
    }
    total += rank >= 3 ? 30000 : ageReachedOn(kids[i].birth, 3) >= month ? 15000 : 10000;
  }
  return total;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
  size_t count = 1'000'000;
  std::string rules_dir = ELIGIBILITY_PROGRAMMES_DIR;
  bool engine_only = false;  // for profiling
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--engine-only") == 0) engine_only = true;
    if (i + 1 >= argc) break;
    if (std::strcmp(argv[i], "--households") == 0) count = std::stoul(argv[++i]);
    if (std::strcmp(argv[i], "--rules") == 0) rules_dir = argv[++i];
  }
  const Date on = *parseDate(kDate);

  std::vector<RuleError> errors;
  const RuleSet rules = RuleSet::loadDirectory(rules_dir, errors);
  for (const RuleError& e : errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
  if (!errors.empty()) return 1;
  size_t jidou_teate = rules.programmes().size();
  for (size_t i = 0; i < rules.programmes().size(); ++i) {
    if (rules.programmes()[i].id == "jidou_teate") jidou_teate = i;
  }

  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  const std::vector<Household> households = generate(count, on);
  std::printf("generated %zu households in %.2f s (date %s, %zu programmes)\n", count,
              seconds(Clock::now() - start), kDate, rules.programmes().size());

  // 1. The engine, all programmes.
  std::vector<ProgrammeResult> results;
  size_t statuses[4] = {0, 0, 0, 0};
  int64_t engine_jidou_total = 0;
  start = Clock::now();
  for (const Household& h : households) {
    rules.evaluateInto(h, on, results);
    for (const ProgrammeResult& r : results) ++statuses[static_cast<int>(r.status)];
    if (jidou_teate < results.size()) engine_jidou_total += results[jidou_teate].monthly_amount_yen;
  }
  const double engine_s = seconds(Clock::now() - start);
  const double engine_rate = static_cast<double>(count) / engine_s;
  std::printf(
      "engine, all programmes:      %10.0f households/s  (%.3f s; eligible %zu, "
      "not eligible %zu, needs information %zu)\n",
      engine_rate, engine_s, statuses[0], statuses[1], statuses[2]);

  if (engine_only) return 0;

  // 2. The anchor: 児童手当 alone, hand-written.
  int64_t hand_total = 0;
  start = Clock::now();
  for (const Household& h : households) hand_total += handWrittenJidouTeate(h, on);
  const double hand_s = seconds(Clock::now() - start);
  const double hand_rate = static_cast<double>(count) / hand_s;
  std::printf("hand-written 児童手当 only:   %10.0f households/s  (%.3f s)\n", hand_rate, hand_s);
  std::printf("  児童手当 totals: engine %lld yen, hand-written %lld yen -> %s\n",
              static_cast<long long>(engine_jidou_total), static_cast<long long>(hand_total),
              engine_jidou_total == hand_total ? "identical" : "DIFFERENT");

  // 3. Reloading the rule files per household, on a sample.
  const size_t sample = std::min<size_t>(count, 2000);
  start = Clock::now();
  for (size_t i = 0; i < sample; ++i) {
    std::vector<RuleError> reload_errors;
    const RuleSet fresh = RuleSet::loadDirectory(rules_dir, reload_errors);
    fresh.evaluateInto(households[i], on, results);
  }
  const double reload_s = seconds(Clock::now() - start);
  const double reload_rate = static_cast<double>(sample) / reload_s;
  std::printf("reload rules per household:  %10.0f households/s  (%zu households sampled)\n",
              reload_rate, sample);

  std::printf(
      "engine (%zu programmes) / hand-written (1 programme): %.2fx the time per household\n",
      rules.programmes().size(), hand_rate / engine_rate);
  std::printf("engine / reload-per-household: %.0fx faster\n", engine_rate / reload_rate);
  std::printf("target >= 100000 households/s: %s\n", engine_rate >= 100000 ? "met" : "NOT MET");
  return engine_jidou_total == hand_total ? 0 : 1;
}
