// City actions on a household that change what it may receive, and the events they publish.
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "routes.h"

namespace sukusuku::eligibility_plugin {

int64_t recordBirth(EligibilityContext& ctx, const Principal& officer, int64_t household_id,
                    const std::map<std::string, std::string>& fields,
                    const std::string& request_id) {
  auto get = [&](const char* name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
  };
  auto invalid = [](const char* field, const std::string& message) {
    return Error::invalid("eligibility.birth_invalid", message, {{"field", field}});
  };
  const std::string given = get("given_name"), kana = get("given_name_kana"),
                    birth = get("birth_date"), sex = get("sex").empty() ? "unspecified" : get("sex");
  if (given.empty() || given.size() > 100) throw invalid("given_name", "given_name is required");
  if (kana.empty() || kana.size() > 100) {
    throw invalid("given_name_kana", "given_name_kana is required");
  }
  const auto day = eligibility::parseDate(birth);
  const auto today = *eligibility::parseDate(ctx.today());
  if (!day) throw invalid("birth_date", "birth_date must be YYYY-MM-DD");
  if (*day > today) throw invalid("birth_date", "birth_date is in the future");
  if (today.days - day->days > 366) throw invalid("birth_date", "a birth is recorded within a year");
  if (sex != "female" && sex != "male" && sex != "unspecified") {
    throw invalid("sex", "sex must be female, male or unspecified");
  }
  return ctx.db->transaction([&](db::Tx& tx) {
    tenancy::requireHousehold(tx, officer, household_id, ctx.today());
    auto family = tx.queryOne(
        "SELECT family_name, family_name_kana FROM guardians WHERE household_id = ? AND "
        "municipality_id = ? ORDER BY primary_payer DESC, id LIMIT 1",
        {household_id, officer.municipality_id});
    std::string family_name = family ? family->getText("family_name") : "";
    std::string family_kana = family ? family->getText("family_name_kana") : "";
    int64_t child =
        tx.execute("INSERT INTO children (municipality_id, household_id, family_name, given_name, "
                   "family_name_kana, given_name_kana, birth_date, sex, disability_grade, "
                   "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                   {officer.municipality_id, household_id, family_name, given, family_kana, kana,
                    birth, sex, ctx.now()})
            .last_insert_id;
    tx.execute("UPDATE households SET updated_at = ? WHERE id = ?", {ctx.now(), household_id});
    ctx.audit->record(tx, AuditEntry{.municipality_id = officer.municipality_id,
                                     .actor_user_id = officer.user_id,
                                     .actor_role = officer.role,
                                     .action = "eligibility.birth_recorded",
                                     .target_type = "household",
                                     .target_id = std::to_string(household_id),
                                     .details = {{"child_id", child}, {"birth_date", birth}},
                                     .request_id = request_id});
    ctx.events->publish(tx, Event{"child.born", officer.municipality_id,
                                  {{"household_id", household_id}, {"child_id", child}}});
    return child;
  });
}

}  // namespace sukusuku::eligibility_plugin
