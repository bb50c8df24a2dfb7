// Telling families about programmes they have newly become eligible for — once, and only when
// they can really get it.
//
// A household is re-evaluated when it changes (the events in eligibility_plugin.cc), every day
// (ages move: a child turning 3 changes 保育料無償化 and the 児童手当 amount) and on
// `sukusuku eligibility recheck` (a new programme or amount). For every programme whose status
// is `eligible` — never needs_information, never not_eligible — and for which the family has no
// application yet, a row is inserted into eligibility_notices (unique per household and
// programme) and, in the same transaction, a notification goes to the household's guardians
// through the push core. The unique row makes it exactly once, even with several nodes or a
// retried job; a programme the family hears about and later loses and regains is not announced
// again. Without the push core the row is recorded (via = "recorded") and nothing is sent.
//
// A baseline run (recheck --baseline, and the demo seeder) records what households are already
// eligible for as known (via = "baseline") without telling anyone: a city switching the plugin
// on does not push every family about benefits it already receives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "context.h"

namespace sukusuku::eligibility_plugin {

struct RecheckSummary {
  int64_t households = 0;  // evaluated
  int64_t skipped = 0;     // profile refused by the engine (e.g. a birth date in the future)
  int64_t newly_eligible = 0;  // (household, programme) pairs recorded now
  int64_t notified = 0;    // of those, sent through the push core
};

// Re-evaluates HOUSEHOLD_IDS of MUNICIPALITY_ID (all of its households when empty) on today's
// date and records and pushes what is newly eligible. TRIGGER names the cause in the notices
// table ("child.born", "daily", "recheck"). Thread-safe.
RecheckSummary recheck(EligibilityContext& ctx, int64_t municipality_id,
                       const std::vector<int64_t>& household_ids, const std::string& trigger,
                       bool baseline = false);

// Every municipality's households (the daily job and the CLI without --municipality).
RecheckSummary recheckAll(EligibilityContext& ctx, const std::string& trigger,
                          bool baseline = false);

}  // namespace sukusuku::eligibility_plugin
