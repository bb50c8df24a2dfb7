// Bulk import for a city's first day: children, guardians (with their households) and staff from
// the CSV files existing city systems export. Private to core/src/admin.
//
// Files: UTF-8 (with or without a BOM) or Shift_JIS / CP932, detected from the bytes and
// converted with iconv. The first row names the columns (any order; unknown columns are
// ignored). Dates are YYYY-MM-DD or YYYY/MM/DD. Flags are 1/0 (also true/false, はい/いいえ).
//
//   guardians  household_external_id, household_name, postal_code, address, phone,
//              family_name, given_name, family_name_kana, given_name_kana, relationship
//              (mother|father|grandmother|grandfather|other), primary_payer, may_pick_up, email
//              A household is created the first time its household_external_id appears (its
//              name, postal_code, address and phone come from that row); later rows add
//              guardians to it. A household already in the database gets the guardians added.
//   children   external_id, household_external_id, family_name, given_name, family_name_kana,
//              given_name_kana, birth_date, sex (female|male|unspecified), facility_code,
//              class_name (optional; a class of the facility in the admission's fiscal year),
//              admission_date, certified_hours (standard|short|empty)
//              The household must exist: import guardians first.
//   staff      employee_code, family_name, given_name, family_name_kana, given_name_kana,
//              facility_code, starts_on, qualifications (hoikushi;kangoshi;… separated by ';'),
//              contract_kind (full_time|part_time), minutes_per_week, days_per_week
//
// Checking comes first and covers the whole file: every problem is reported with its line (the
// physical line where the record starts, 1 = the header) and column. Missing columns, bad dates,
// unknown facility or class codes, unknown households, bad choices, duplicate ids within the
// file and against the database, undecodable bytes. Nothing is written unless the file is clean;
// a clean real run writes everything in one transaction with one audit row ("import.<kind>").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sukusuku/audit.h"
#include "sukusuku/clock.h"
#include "sukusuku/db/database.h"

namespace sukusuku::admin {

struct ImportProblem {
  int line = 0;        // 1-based physical line of the record (1 = header); 0 = the whole file
  std::string column;  // the column's name, "" when the problem is the row or the file
  std::string code;    // "import.bad_date", ... (stable)
  std::string message; // English, for the CLI and logs
  std::string value;   // the offending value, when there is one
};

struct ImportReport {
  std::string kind;
  std::string encoding;  // "utf-8", "utf-8-bom", "cp932"
  int rows = 0;          // data rows read
  int imported = 0;      // rows written (0 on a dry run or when there are problems)
  bool dry_run = true;
  std::vector<ImportProblem> problems;

  bool clean() const { return problems.empty(); }
};

struct ImportActor {
  int64_t user_id = 0;          // 0: the CLI
  std::string role = "system";
  std::string request_id;
};

// The import kinds, and their columns in the documented order.
const std::vector<std::string>& importKinds();
const std::vector<std::string>& importColumns(const std::string& kind);

// Checks BYTES as a KIND file for MUNICIPALITY_ID and, unless DRY_RUN or there are problems,
// imports it. Throws std::invalid_argument for an unknown kind.
ImportReport runImport(db::Database& db, const Clock& clock, AuditLog& audit,
                       int64_t municipality_id, const std::string& kind, const std::string& bytes,
                       bool dry_run, const ImportActor& actor);

// Decodes BYTES to UTF-8. Sets ENCODING; lines that do not decode are added to PROBLEMS (and
// replaced by nothing in the result).
std::string decodeCsvBytes(const std::string& bytes, std::string& encoding,
                           std::vector<ImportProblem>& problems);

}  // namespace sukusuku::admin
