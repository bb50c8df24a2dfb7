#include "sukusuku/export.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <xlsxwriter.h>

namespace sukusuku::exports {

std::string csvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

namespace {

class XlsxSheet : public Sheet {
 public:
  XlsxSheet(lxw_worksheet* ws, lxw_format* bold) : ws_(ws), bold_(bold) {}
  void text(int row, int col, const std::string& value, bool bold) override {
    worksheet_write_string(ws_, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col),
                           value.c_str(), bold ? bold_ : nullptr);
  }
  void number(int row, int col, double value, bool bold) override {
    worksheet_write_number(ws_, static_cast<lxw_row_t>(row), static_cast<lxw_col_t>(col), value,
                           bold ? bold_ : nullptr);
  }
  void columnWidth(int first, int last, double width) override {
    worksheet_set_column(ws_, static_cast<lxw_col_t>(first), static_cast<lxw_col_t>(last), width,
                         nullptr);
  }

 private:
  lxw_worksheet* ws_;
  lxw_format* bold_;
};

}  // namespace

struct Workbook::Impl {
  std::filesystem::path path;
  lxw_workbook* wb = nullptr;
  lxw_format* bold = nullptr;
  std::vector<std::unique_ptr<XlsxSheet>> sheets;
  bool closed = false;
};

Workbook::Workbook(const std::string& name_hint) : impl_(std::make_unique<Impl>()) {
  static std::atomic<int64_t> seq{0};
  impl_->path = std::filesystem::temp_directory_path() /
                ("sukusuku_" + name_hint + "_" + std::to_string(::getpid()) + "_" +
                 std::to_string(++seq) + ".xlsx");
  impl_->wb = workbook_new(impl_->path.c_str());
  if (!impl_->wb) throw std::runtime_error("cannot create the workbook");
  impl_->bold = workbook_add_format(impl_->wb);
  format_set_bold(impl_->bold);
}

Workbook::~Workbook() {
  if (!impl_->closed) {
    workbook_close(impl_->wb);
    std::error_code ec;
    std::filesystem::remove(impl_->path, ec);
  }
}

Sheet& Workbook::addSheet(const std::string& name) {
  lxw_worksheet* ws = workbook_add_worksheet(impl_->wb, name.c_str());
  if (!ws) throw std::runtime_error("cannot add the sheet '" + name + "'");
  impl_->sheets.push_back(std::make_unique<XlsxSheet>(ws, impl_->bold));
  return *impl_->sheets.back();
}

std::string Workbook::bytes() {
  if (impl_->closed) throw std::logic_error("Workbook::bytes() called twice");
  impl_->closed = true;
  const lxw_error err = workbook_close(impl_->wb);
  std::string out;
  if (err == LXW_NO_ERROR) {
    std::ifstream in(impl_->path, std::ios::binary);
    out.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::error_code ec;
  std::filesystem::remove(impl_->path, ec);
  if (err != LXW_NO_ERROR || out.empty()) {
    throw std::runtime_error(std::string("cannot write the workbook: ") + lxw_strerror(err));
  }
  return out;
}

}  // namespace sukusuku::exports
