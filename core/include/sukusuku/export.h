// Spreadsheet exports shared by plugins: CSV fields quoted the one way Excel and LibreOffice read
// back (RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled), and XLSX
// workbooks written with libxlsxwriter and handed back as bytes.
//
// Japanese Excel opens UTF-8 CSV correctly only with a byte-order mark: start such files with
// kUtf8Bom. Lines end with "\r\n".
//
// A Workbook is used by one thread; separate workbooks may be built concurrently (each writes its
// own temporary file, removed before bytes() returns or when the workbook is destroyed).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sukusuku::exports {

inline constexpr const char* kUtf8Bom = "\xEF\xBB\xBF";

// S as one CSV field: unchanged unless it holds ',', '"', CR or LF; then quoted, '"' doubled.
std::string csvField(const std::string& s);

class Sheet {
 public:
  virtual ~Sheet() = default;
  virtual void text(int row, int col, const std::string& value, bool bold = false) = 0;
  virtual void number(int row, int col, double value, bool bold = false) = 0;
  // Width of columns FIRST..LAST in characters.
  virtual void columnWidth(int first, int last, double width) = 0;
};

class Workbook {
 public:
  // NAME_HINT names the temporary file ("survey", "rota"): for people reading /tmp, nothing else.
  explicit Workbook(const std::string& name_hint);
  ~Workbook();
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  // A new sheet, owned by the workbook, in order of creation. NAME follows Excel's rules
  // (at most 31 characters, none of []:*?/\).
  Sheet& addSheet(const std::string& name);
  // Closes the workbook and returns the .xlsx bytes; call once. Throws std::runtime_error when
  // the workbook cannot be written.
  std::string bytes();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sukusuku::exports
