// The bulk-import page (upload → report) and `sukusuku admin import KIND FILE [--dry-run]
// --municipality CODE`. The file format is documented in csv_import.h and on the page.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <Poco/String.h>

#include "csv_import.h"
#include "sukusuku/error.h"
#include "sukusuku/multipart.h"
#include "sukusuku/plugin.h"
#include "sukusuku/runtime.h"
#include "support.h"

namespace sukusuku::admin {

namespace {

constexpr int64_t kMaxUpload = 20 * 1024 * 1024;

json formatDocs(const Deps& d, const Request& r) {
  json rows = json::array();
  for (const auto& kind : importKinds()) {
    std::string cols;
    for (const auto& c : importColumns(kind)) cols += (cols.empty() ? "" : ", ") + c;
    rows.push_back({{"cells",
                     {cell(d.t(r, "admin.import.kinds." + kind)), cell(cols),
                      cell(d.t(r, "admin.import.notes." + kind))}}});
  }
  return table({d.t(r, "admin.import.kind"), d.t(r, "admin.import.columns"),
                d.t(r, "admin.import.notes_heading")},
               rows, "");
}

FormView uploadForm(const Deps& d, const Request& r, const std::string& kind, bool dry_run) {
  FormView f("import", "/web/admin/import", d.t(r, "admin.import.submit"));
  std::vector<std::pair<std::string, std::string>> kinds;
  for (const auto& k : importKinds()) kinds.emplace_back(k, d.t(r, "admin.import.kinds." + k));
  f.select("kind", d.t(r, "admin.import.kind"), kinds, kind)
      .file("file", d.t(r, "admin.import.file"), ".csv,text/csv")
      .checkbox("dry_run", d.t(r, "admin.import.dry_run"), dry_run)
      .note(d.t(r, "admin.import.note"));
  return f;
}

Response importPage(const Deps& d, Request& r, const ImportReport* report, const std::string& kind,
                    bool dry_run, const std::string& file_error = "") {
  json sections = json::array();
  FormView form = uploadForm(d, r, kind, dry_run);
  if (report) {
    json problems = json::array();
    for (const auto& p : report->problems) {
      std::string message = d.t(r, "admin.import.problems." + p.code.substr(p.code.find('.') + 1));
      if (message.rfind("admin.import.problems.", 0) == 0) message = p.message;
      problems.push_back({{"cells",
                           {cell(p.line ? std::to_string(p.line) : "—"), cell(p.column),
                            cell(message), cell(p.value)}}});
    }
    std::string outcome = !report->clean() ? d.t(r, "admin.import.outcome_problems",
                                                 {{"n", std::to_string(report->problems.size())}})
                          : report->dry_run ? d.t(r, "admin.import.outcome_clean")
                                            : d.t(r, "admin.import.outcome_imported",
                                                  {{"n", std::to_string(report->imported)}});
    sections.push_back(section(
        d.t(r, "admin.import.report"),
        {{"text", outcome},
         {"facts", facts({{d.t(r, "admin.import.kind"), d.t(r, "admin.import.kinds." + report->kind)},
                          {d.t(r, "admin.import.encoding"), report->encoding},
                          {d.t(r, "admin.import.rows"), std::to_string(report->rows)},
                          {d.t(r, "admin.import.imported"), std::to_string(report->imported)}})},
         {"table", table({d.t(r, "admin.import.line"), d.t(r, "admin.import.column"),
                          d.t(r, "admin.import.problem"), d.t(r, "admin.import.value")},
                         problems, d.t(r, "admin.import.no_problems"))}}));
  }
  json fj = form.toJson();
  if (!file_error.empty()) {
    for (auto& f : fj["fields"]) {
      if (f["name"] == "file") f["error"] = file_error;
    }
    fj["has_errors"] = true;
  }
  sections.push_back(section(d.t(r, "admin.import.upload"), {{"form", fj}}));
  sections.push_back(section(d.t(r, "admin.import.format"),
                             {{"text", d.t(r, "admin.import.format_intro")},
                              {"table", formatDocs(d, r)}}));
  int status = report && !report->clean() ? 422 : !file_error.empty() ? 422 : 200;
  return renderPage(d, r, {{"intro", d.t(r, "admin.import.intro")}, {"sections", sections}},
                    "admin.import.title", status);
}

int cliImport(Deps& d, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string kind, file, code;
  bool dry_run = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--dry-run") {
      dry_run = true;
    } else if (args[i] == "--municipality" && i + 1 < args.size()) {
      code = args[++i];
    } else if (args[i].rfind("--municipality=", 0) == 0) {
      code = args[i].substr(15);
    } else if (kind.empty()) {
      kind = args[i];
    } else if (file.empty()) {
      file = args[i];
    } else {
      err << "sukusuku admin import: unexpected argument " << args[i] << "\n";
      return 2;
    }
  }
  const auto& kinds = importKinds();
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end() || file.empty() || code.empty()) {
    err << "usage: sukusuku admin import children|guardians|staff FILE [--dry-run] "
           "--municipality CODE\n";
    return 2;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << "sukusuku admin import: cannot read " << file << "\n";
    return 2;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  auto muni = d.db.acquire()->queryOne("SELECT id FROM municipalities WHERE code = ?", {code});
  if (!muni) {
    err << "sukusuku admin import: no municipality with code " << code << "\n";
    return 2;
  }
  ImportReport report = runImport(d.db, d.clock, d.audit, muni->getInt("id"), kind, bytes.str(),
                                  dry_run, {0, "system", "cli"});
  for (const auto& p : report.problems) {
    err << file << ":" << p.line << ": " << (p.column.empty() ? "" : p.column + ": ") << p.message
        << (p.value.empty() ? "" : " [" + p.value + "]") << " (" << p.code << ")\n";
  }
  out << kind << ": " << report.rows << " row(s), encoding " << report.encoding << ", "
      << report.problems.size() << " problem(s); ";
  if (!report.clean()) {
    out << "nothing imported\n";
    return 2;
  }
  if (dry_run) {
    out << "dry run, nothing imported\n";
  } else {
    out << report.imported << " imported\n";
  }
  return 0;
}

}  // namespace

void addImport(PluginContext& ctx, Deps& d) {
  ctx.addRoute({"GET", "/web/admin/import", perm::kImport, [&d](Request& r) {
                  return importPage(d, r, nullptr, "guardians", true);
                }});

  Route post{"POST", "/web/admin/import", perm::kImport, [&d](Request& r) {
               std::string kind = "guardians", file;
               bool dry_run = false, has_file = false;
               const web::PostedForm form = web::readPostedForm(r, "admin.import_not_multipart");
               if (auto k = form.fields.find("kind"); k != form.fields.end()) kind = k->second;
               if (auto x = form.fields.find("dry_run"); x != form.fields.end())
                 dry_run = x->second == "1" || x->second == "on";
               for (const web::FormFile& f : form.files) {
                 if (f.field != "file") continue;
                 file = f.bytes;
                 has_file = true;
               }
               const auto& kinds = importKinds();
               if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
                 throw Error::invalid("admin.import_kind", "kind must be children, guardians or staff",
                                      {{"field", "kind"}});
               }
               if (!has_file || file.empty()) {
                 return importPage(d, r, nullptr, kind, dry_run,
                                   d.t(r, "admin.errors.file_required"));
               }
               const Principal& p = r.user();
               ImportReport report = runImport(d.db, d.clock, d.audit, p.municipality_id, kind,
                                               file, dry_run, {p.user_id, p.role, r.request_id});
               if (report.clean() && !dry_run) {
                 d.web.flash(r, "success",
                             d.t(r, "admin.import.outcome_imported",
                                 {{"n", std::to_string(report.imported)}}));
               }
               return importPage(d, r, &report, kind, dry_run);
             }};
  post.max_body_bytes = kMaxUpload;
  ctx.addRoute(std::move(post));

  ctx.addCommand({"import", "Import children, guardians or staff from a city CSV file",
                  "children|guardians|staff FILE [--dry-run] --municipality CODE\n"
                  "  FILE is UTF-8 (with or without BOM) or Shift_JIS/CP932 CSV with a header row.\n"
                  "  Every problem is printed as FILE:LINE: COLUMN: message; nothing is imported\n"
                  "  unless the whole file is clean. Exit 0 clean, 2 problems or bad arguments.\n"
                  "  Columns: see the import page (/web/admin/import) or core/src/admin/csv_import.h.",
                  [&d](const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
                    return cliImport(d, args, out, err);
                  }});
}

}  // namespace sukusuku::admin
