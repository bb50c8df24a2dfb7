// The plan editing pages (教材費等執行計画の作成・変更): a school's staff edit their own school's
// plans, the city's finance officers any school of the city, per fiscal year and grade.
//
//   GET  /web/fees/plan-edit?fiscal_year=Y               schools and grades, totals against caps
//   GET  /web/fees/plan-edit/{facility}/{grade}?fiscal_year=Y   the form (items, cap, instalments)
//   POST /web/fees/plan-edit/{facility}/{grade}          saves through FeesService::savePlan (the
//        service the API uses: same validation, same audit row, the next billing run adjusts what
//        was billed); a refused plan (over the cap, a bad item) re-renders the form with the values
//        entered and the numbers, status 422; "action=add_row" only adds an empty row.
//
// Permission "fees.edit_plan" (facility staff and admins, city finance, municipality admins);
// scope through tenancy::requireFacility: staff their own school, officers their city, anything
// else 404.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <sukusuku/plugin.h>

#include "../domain/fees_service.h"

namespace sukusuku::fees {

void addPlanEditPages(PluginContext& ctx, std::shared_ptr<FeesService> svc);

// Yen and counts as typed on a Japanese tablet: ASCII or full-width digits, with thousands
// separators (, ，) and spaces ignored. nullopt for anything else or more than 12 digits.
std::optional<int64_t> parseTypedWhole(const std::string& text);

}  // namespace sukusuku::fees
