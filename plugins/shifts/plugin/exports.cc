#include "exports.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <xlsxwriter.h>

namespace sukusuku::shifts::plugin {

namespace {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

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
  out << "\xEF\xBB\xBF";  // BOM
  out << "staff_id,name";
  for (const std::string& d : v.dates) out << ',' << d;
  out << "\r\n";
  for (const StaffRow& s : v.staff) {
    out << s.id << ',' << csvField(s.name);
    for (size_t d = 0; d < v.dates.size(); ++d) out << ',' << csvField(cellLabel(v, s.id, d));
    out << "\r\n";
  }
  return out.str();
}

std::string rotaXlsx(const MonthView& v) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("sukusuku_rota_" + std::to_string(::getpid()) + "_" + std::to_string(v.roster.id) + "_" +
       std::to_string(reinterpret_cast<uintptr_t>(&v)) + ".xlsx");
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) throw std::runtime_error("cannot create the workbook");
  lxw_worksheet* ws = workbook_add_worksheet(wb, v.roster.month.c_str());
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  worksheet_write_string(ws, 0, 0, "職員", head);
  for (size_t d = 0; d < v.dates.size(); ++d)
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(d + 1), v.dates[d].substr(8).c_str(),
                           head);
  for (size_t r = 0; r < v.staff.size(); ++r) {
    const lxw_row_t row = static_cast<lxw_row_t>(r + 1);
    worksheet_write_string(ws, row, 0, v.staff[r].name.c_str(), nullptr);
    for (size_t d = 0; d < v.dates.size(); ++d)
      worksheet_write_string(ws, row, static_cast<lxw_col_t>(d + 1),
                             cellLabel(v, v.staff[r].id, d).c_str(), nullptr);
  }
  worksheet_set_column(ws, 0, 0, 16, nullptr);
  const lxw_error err = workbook_close(wb);
  std::string bytes;
  if (err == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (err != LXW_NO_ERROR || bytes.empty())
    throw std::runtime_error(std::string("cannot write the workbook: ") + lxw_strerror(err));
  return bytes;
}

}  // namespace sukusuku::shifts::plugin
