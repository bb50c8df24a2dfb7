// The consignors (委託者) of a city for finance officers, and their API: each collecting bank's
// 委託者コード, the kana name of the file header, the city's receiving account at that bank and
// the bank codes it collects for; exactly one is the default (every other bank).
//
//   GET    /web/fees/consignors[?edit=ID]   the list and the add (or edit) form
//   POST   /web/fees/consignors             action=save (id 0: new) | delete (id)
//   GET    /api/v1/fees/consignors          {consignors: [...]}
//   POST   /api/v1/fees/consignors          201 {consignor}
//   PUT    /api/v1/fees/consignors/{id}     200 {consignor}
//   DELETE /api/v1/fees/consignors/{id}     200 {deleted: true}
// Permission "fees.manage"; saved through FeesService::saveConsignor / deleteConsignor (audited).
// A refused form (422 with the field named: code, name, account, bank codes; 409 for a consignor
// named by a bank file or the default) comes back with the values typed and the reason.
#pragma once

#include <memory>

#include <sukusuku/plugin.h>

#include "../domain/fees_service.h"

namespace sukusuku::fees {

void addConsignorPages(PluginContext& ctx, std::shared_ptr<FeesService> svc);

}  // namespace sukusuku::fees
