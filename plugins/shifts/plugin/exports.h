// Rota exports: CSV (UTF-8 with BOM, so that Excel on Japanese Windows reads it) and XLSX
// (libxlsxwriter), one row per staff member and one column per day, pattern names in cells.
#pragma once

#include <string>

#include "planner.h"

namespace sukusuku::shifts::plugin {

std::string rotaCsv(const MonthView& view);
// Throws std::runtime_error when the workbook cannot be written.
std::string rotaXlsx(const MonthView& view);

// The pattern name of a cell ("" for off), or "休" on a day the facility is closed.
std::string cellLabel(const MonthView& view, int64_t staffId, size_t day);

}  // namespace sukusuku::shifts::plugin
