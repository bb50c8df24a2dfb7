// `sukusuku fees <verb>`: the city's batch jobs (bill, export-debit, import-result, ledger).
#pragma once

#include <vector>

#include "fees_service.h"
#include "sukusuku/cli.h"

namespace sukusuku::fees {

std::vector<CliCommand> feesCommands(FeesService& service, db::Database& db, const Clock& clock);

// Where `export-debit --output OUTPUT` writes consignor CODE's file of DEBIT_DATE (YYYY-MM-DD)
// when the export wrote FILES files: OUTPUT with {code}/{date} replaced; a folder (existing or
// ending in '/', created) → OUTPUT/zengin91-CODE-YYYYMMDD.txt; a file name → OUTPUT itself for
// one file, else OUTPUT's stem + "-CODE" + extension.
std::string debitFilePath(const std::string& output, const std::string& code,
                          const std::string& debit_date, size_t files);

// The ledger as CSV rows (kind, school, item, month, amount), UTF-8 with a BOM or, when
// SHIFT_JIS, CP932 (characters CP932 lacks become '?').
std::string ledgerCsv(const nlohmann::json& ledger, bool shift_jis);

// The same rows as an XLSX workbook at PATH (libxlsxwriter).
void ledgerXlsx(const nlohmann::json& ledger, const std::string& path);

}  // namespace sukusuku::fees
