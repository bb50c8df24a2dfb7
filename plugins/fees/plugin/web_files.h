// Bank files for finance officers, on the web and the API (the same operations as the CLI's
// export-debit and import-result):
//
//   POST /web/fees/files/export          fiscal_year, instalment[, date]: the Zengin 91 request
//                                        files of the instalment, one per consignor
//   POST /web/fees/files/import          multipart "file": the bank's result file, reconciled;
//                                        the reconciliation report page (debited, failed by
//                                        reason, unmatched lines); a refused file changes nothing
//                                        and the overview says why, line by line
//   GET  /web/fees/files/{id}            a stored file's bytes (CP932 text), for the bank
//   POST /api/v1/fees/debit-files        {fiscal_year, instalment[, date]} → 201 {files: [...]}
//   POST /api/v1/fees/result-files       the result file as the body → 200 the report
//   GET  /api/v1/fees/files/{id}         a stored file's bytes
// Permission "fees.manage"; each export, import and download is audited; another city's file
// is not found.
#pragma once

#include <memory>

#include <sukusuku/plugin.h>

#include "../domain/fees_service.h"

namespace sukusuku::fees {

void addFilePages(PluginContext& ctx, std::shared_ptr<FeesService> svc);

}  // namespace sukusuku::fees
