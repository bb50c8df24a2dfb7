// The fiscal year's settings page for finance officers (年度の設定): the city's cap per grade
// (上限額) and the instalment schedule (納期: the fiscal month each instalment bills and its debit
// date), both saved through FeesService (setCaps, setInstalments) with an audit row.
//
//   GET  /web/fees/year-settings?fiscal_year=Y
//   POST /web/fees/year-settings   action=caps | schedule | fill10 (fills a standard schedule of
//        ten debits, April-January on the 27th, without saving)
// A refused form (not a number, months not rising, a schedule of a year already billed: 409
// fees.instalments_in_use) comes back with the values typed and the reason, status 422/409.
#pragma once

#include <memory>

#include <sukusuku/plugin.h>

#include "../domain/fees_service.h"

namespace sukusuku::fees {

void addYearSettingsPages(PluginContext& ctx, std::shared_ptr<FeesService> svc);

}  // namespace sukusuku::fees
