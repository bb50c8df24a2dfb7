#include "exports.h"

#include <sstream>

#include <sukusuku/export.h>

namespace sukusuku::shifts::plugin {

std::string cellLabel(const MonthView& v, int64_t staffId, size_t day) {
  for (const Cell& c : v.cells) {
    if (c.staffId != staffId || c.date != v.dates[day]) continue;
    for (const PatternRow& p : v.patterns)
      if (p.id == c.patternId) return p.pattern.name;
  }
  return "休";
}

std::string rotaCsv(const MonthView& v) {
  std::ostringstream out;
  out << exports::kUtf8Bom;
  out << "staff_id,name";
  for (const std::string& d : v.dates) out << ',' << d;
  out << "\r\n";
  for (const StaffRow& s : v.staff) {
    out << s.id << ',' << exports::csvField(s.name);
    for (size_t d = 0; d < v.dates.size(); ++d) out << ',' << exports::csvField(cellLabel(v, s.id, d));
    out << "\r\n";
  }
  return out.str();
}

std::string rotaXlsx(const MonthView& v) {
  exports::Workbook wb("rota");
  exports::Sheet& ws = wb.addSheet(v.roster.month);
  ws.text(0, 0, "職員", true);
  for (size_t d = 0; d < v.dates.size(); ++d) ws.text(0, static_cast<int>(d + 1), v.dates[d].substr(8), true);
  for (size_t r = 0; r < v.staff.size(); ++r) {
    const int row = static_cast<int>(r + 1);
    ws.text(row, 0, v.staff[r].name);
    for (size_t d = 0; d < v.dates.size(); ++d)
      ws.text(row, static_cast<int>(d + 1), cellLabel(v, v.staff[r].id, d));
  }
  ws.columnWidth(0, 0, 16);
  return wb.bytes();
}

}  // namespace sukusuku::shifts::plugin
