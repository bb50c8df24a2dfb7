#include "notices.h"

#include <set>

#include "profile.h"

namespace sukusuku::eligibility_plugin {

namespace {

std::string yen(int64_t amount) {
  std::string digits = std::to_string(amount);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

push::Notification newlyEligible(const EligibilityContext& ctx, int64_t municipality_id,
                                 const eligibility::ProgrammeInfo& info, int64_t amount) {
  push::Notification n;
  n.municipality_id = municipality_id;
  n.category = "eligibility.newly_eligible";
  for (const std::string lang : {"ja", "en"}) {
    n.title[lang] = pick(info.name, lang) + ctx.t(lang, "eligibility.push.eligible_title_suffix");
    std::string body = ctx.t(lang, "eligibility.push.eligible_body");
    if (info.benefit_kind == "monthly_allowance" && amount > 0) {
      body += " " + ctx.t(lang, "eligibility.push.amount_prefix") + yen(amount) +
              ctx.t(lang, "eligibility.push.amount_suffix");
    }
    n.body[lang] = body;
  }
  n.data = {{"route", "eligibility.programme"}, {"programme", info.id}};
  n.source_ref = "eligibility.newly_eligible:" + info.id;
  return n;
}

}  // namespace

RecheckSummary recheck(EligibilityContext& ctx, int64_t municipality_id,
                       const std::vector<int64_t>& household_ids, const std::string& trigger,
                       bool baseline) {
  RecheckSummary summary;
  const std::string today = ctx.today();
  const auto day = *eligibility::parseDate(today);
  std::vector<Profile> profiles;
  std::set<std::pair<int64_t, std::string>> known;  // (household, programme) told or applied
  {
    auto conn = ctx.db->acquire();
    profiles = loadProfiles(*conn, municipality_id, today, household_ids);
    std::string filter;
    db::Params params = {municipality_id};
    if (!household_ids.empty()) {
      filter = " AND household_id IN (";
      for (size_t i = 0; i < household_ids.size(); ++i) {
        filter += i ? ",?" : "?";
        params.emplace_back(household_ids[i]);
      }
      filter += ")";
    }
    params.emplace_back(municipality_id);
    for (int64_t id : household_ids) params.emplace_back(id);
    for (const auto& r : conn->query(
             "SELECT household_id, programme FROM eligibility_notices WHERE municipality_id = ?" +
                 filter +
                 " UNION SELECT household_id, programme FROM eligibility_applications WHERE "
                 "municipality_id = ?" + filter,
             params)) {
      known.insert({r.getInt("household_id"), r.getText("programme")});
    }
  }
  const auto& programmes = ctx.rules.programmes();
  std::vector<eligibility::ProgrammeResult> results;
  for (const Profile& profile : profiles) {
    try {
      ctx.rules.evaluateInto(eligibility::householdFromJson(profile.household), day, results);
    } catch (const eligibility::EligibilityError& e) {
      ++summary.skipped;
      ctx.log->warning("eligibility: household %?d skipped: %s", profile.household_id,
                       std::string(e.what()));
      continue;
    }
    ++summary.households;
    for (const auto& r : results) {
      const auto& info = programmes[r.programme];
      // Only what the family can really get: eligible, not "needs information".
      if (r.status != eligibility::Status::kEligible) continue;
      if (known.count({profile.household_id, info.id})) continue;
      bool sent = false;
      bool inserted = ctx.db->transaction([&](db::Tx& tx) {
        std::string via = baseline ? "baseline" : (ctx.notifier ? "push" : "recorded");
        auto ins = tx.execute(
            tx.dialect().insertIgnore(
                "eligibility_notices",
                {"municipality_id", "household_id", "programme", "via", "trigger_event",
                 "monthly_amount_yen", "notification_id", "evaluated_on", "created_at"}),
            {municipality_id, profile.household_id, info.id, via, trigger,
             r.monthly_amount_yen, 0, today, ctx.now()});
        if (ins.affected_rows != 1) return false;  // another node or run told them already
        if (!baseline && ctx.notifier) {
          push::Audience audience;
          audience.households = {profile.household_id};
          auto res = ctx.notifier->notify(
              tx, newlyEligible(ctx, municipality_id, info, r.monthly_amount_yen), audience);
          tx.execute("UPDATE eligibility_notices SET notification_id = ? WHERE household_id = ? "
                     "AND programme = ?",
                     {res.notification_id, profile.household_id, info.id});
          sent = true;
        }
        return true;
      });
      if (inserted) {
        ++summary.newly_eligible;
        if (sent) ++summary.notified;
      }
    }
  }
  return summary;
}

RecheckSummary recheckAll(EligibilityContext& ctx, const std::string& trigger, bool baseline) {
  std::vector<int64_t> municipalities;
  {
    auto conn = ctx.db->acquire();
    for (const auto& r : conn->query("SELECT id FROM municipalities ORDER BY id")) {
      municipalities.push_back(r.getInt("id"));
    }
  }
  RecheckSummary total;
  for (int64_t m : municipalities) {
    auto s = recheck(ctx, m, {}, trigger, baseline);
    total.households += s.households;
    total.skipped += s.skipped;
    total.newly_eligible += s.newly_eligible;
    total.notified += s.notified;
  }
  return total;
}

}  // namespace sukusuku::eligibility_plugin
