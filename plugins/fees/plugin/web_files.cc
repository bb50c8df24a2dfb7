#include "web_files.h"

#include <Poco/URI.h>

#include <sukusuku/audit.h>
#include <sukusuku/error.h>
#include <sukusuku/multipart.h>

namespace sukusuku::fees {

namespace {

std::string field(const std::multimap<std::string, std::string>& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

int number(const std::string& text, const char* name) {
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    throw Error::invalid("fees.invalid_form", std::string(name) + " must be a number",
                         {{"field", name}});
  return std::stoi(text);
}

// The name a bank file is saved under: zengin91-1234567890-20260427.txt and the like.
std::string fileName(const StoredFile& f) {
  std::string date;
  for (char c : f.bank_date)
    if (c != '-') date += c;
  const std::string kind = f.kind == "transfer"       ? "zengin21"
                           : f.kind == "debit_result" ? "zengin91-result"
                                                      : "zengin91";
  return kind + "-" + f.consignor_code + "-" + date + ".txt";
}

void audit(PluginContext& ctx, const Request& r, const std::string& action, int64_t file,
           nlohmann::json details) {
  ctx.database().transaction([&](db::Tx& tx) {
    ctx.audit().record(tx, {.municipality_id = r.user().municipality_id,
                            .actor_user_id = r.user().user_id,
                            .actor_role = r.user().role,
                            .action = action,
                            .target_type = "fee_file",
                            .target_id = std::to_string(file),
                            .details = std::move(details),
                            .request_id = r.request_id});
  });
}

Response fileResponse(const StoredFile& f) {
  Response res = Response::text(f.bytes, "text/plain; charset=Shift_JIS");
  res.headers["Content-Disposition"] = "attachment; filename=\"" + fileName(f) + "\"";
  res.headers["Cache-Control"] = "no-store";
  return res;
}

nlohmann::json exportJson(const DebitExport& e) {
  nlohmann::json files = nlohmann::json::array();
  for (const ExportResult& f : e.files)
    files.push_back({{"id", f.file_id},
                     {"consignor_code", f.consignor_code},
                     {"debit_date", f.debit_date},
                     {"records", f.records},
                     {"total", f.total}});
  return {{"debit_date", e.debit_date},
          {"records", e.records},
          {"total", e.total},
          {"files", files}};
}

// The report as the page shows it: failures by reason in the user's language.
nlohmann::json reportPage(Web& web, const Request& r, const ImportReport& rep) {
  nlohmann::json data = rep.toJson();
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& [reason, count] : rep.failed)
    failed.push_back({{"reason", web.i18n().t(r.language, "fees.result." + reason)},
                      {"count", count}});
  data["failed_rows"] = failed;
  for (const char* list : {"unmatched", "already_settled"})
    for (auto& line : data[list])
      line["reason"] =
          web.i18n().t(r.language, "fees.recon_reason." + line.value("reason", std::string()));
  data["any_failed"] = !failed.empty();
  data["any_unmatched"] = !rep.unmatched.empty();
  data["any_already"] = !rep.already.empty();
  data["any_review"] = !rep.review.empty();
  return data;
}

}  // namespace

void addFilePages(PluginContext& ctx, std::shared_ptr<FeesService> svc) {
  Web* web = &ctx.web();
  PluginContext* context = &ctx;

  auto doExport = [=](const Request& r, int year, int instalment, const std::string& date) {
    const DebitExport e =
        svc->exportDebit(r.user().municipality_id, {year, instalment, date, true});
    for (const ExportResult& f : e.files)
      audit(*context, r, "fees.debit_file_exported", f.file_id,
            {{"instalment", instalment},
             {"consignor_code", f.consignor_code},
             {"records", f.records},
             {"total", f.total}});
    return e;
  };
  ctx.addRoute({"POST", "/web/fees/files/export", "fees.manage", [=](Request& r) {
                  const auto form = r.form();
                  const int year = number(field(form, "fiscal_year"), "fiscal_year");
                  const DebitExport e =
                      doExport(r, year, number(field(form, "instalment"), "instalment"),
                               field(form, "date"));
                  const std::string msg = web->i18n().t(
                      r.language, "fees.files_exported",
                      {{"files", std::to_string(e.files.size())},
                       {"records", std::to_string(e.records)},
                       {"total", std::to_string(e.total)},
                       {"date", e.debit_date}});
                  std::string query;
                  Poco::URI::encode(msg, "&=+?#", query);
                  return Response::redirect("/web/fees?fiscal_year=" + std::to_string(year) +
                                            "&message=" + query);
                }});
  ctx.addRoute({"POST", "/api/v1/fees/debit-files", "fees.manage", [=](Request& r) {
                  const nlohmann::json b = r.json();
                  if (!b.is_object() || !b.contains("fiscal_year") ||
                      !b["fiscal_year"].is_number_integer() || !b.contains("instalment") ||
                      !b["instalment"].is_number_integer() ||
                      (b.contains("date") && !b["date"].is_string()))
                    throw Error::invalid("fees.invalid_field",
                                         "fiscal_year and instalment (integers), date (string)");
                  const DebitExport e = doExport(r, b["fiscal_year"].get<int>(),
                                                 b["instalment"].get<int>(),
                                                 b.value("date", std::string()));
                  return Response::json(exportJson(e), 201);
                }});

  auto doImport = [=](const Request& r, const std::string& bytes) {
    const ImportReport rep = svc->importResult(r.user().municipality_id, bytes);
    audit(*context, r, "fees.result_file_imported", rep.file_id,
          {{"consignor_code", rep.consignor_code},
           {"records", rep.records},
           {"debited", rep.debited},
           {"debited_amount", rep.debited_amount},
           {"failed_amount", rep.failed_amount},
           {"unmatched", rep.unmatched.size()}});
    return rep;
  };
  Route upload{"POST", "/web/fees/files/import", "fees.manage", [=](Request& r) {
                  const web::PostedForm form = web::readPostedForm(r, "fees.invalid_form");
                  const web::FormFile* file = nullptr;
                  for (const web::FormFile& f : form.files)
                    if (f.field == "file") file = &f;
                  try {
                    if (!file)
                      throw Error::invalid("fees.no_file", "choose the bank's result file");
                    const ImportReport rep = doImport(r, file->bytes);
                    return web->page(r, "fees/reconciliation", reportPage(*web, r, rep),
                                     "fees.title.reconciliation");
                  } catch (const Error& e) {
                    if (e.status() != 422) throw;
                    // Refused: nothing was applied; say why, line by line.
                    nlohmann::json problems = nlohmann::json::array();
                    if (e.details().contains("errors"))
                      for (const auto& p : e.details()["errors"]) {
                        const std::string key = "fees.problem." + p.value("problem", "");
                        std::string text = web->i18n().t(r.language, key);
                        if (text == key) text = p.value("message", "");
                        problems.push_back({{"line", p.value("line", 0)}, {"text", text}});
                      }
                    const std::string key = "fees.refused." + e.code().substr(5);
                    std::string reason = web->i18n().t(r.language, key);
                    if (reason == key) reason = e.what();
                    return web->page(r, "fees/reconciliation",
                                     {{"refused", true},
                                      {"reason", reason},
                                      {"code", e.code()},
                                      {"problems", problems},
                                      {"file_name", file ? file->filename : ""}},
                                     "fees.title.reconciliation", 422);
                  }
                }};
  // A result file is 120 bytes a pupil: 300,000 pupils are 36 MB.
  upload.max_body_bytes = 64 << 20;
  ctx.addRoute(upload);
  Route api{"POST", "/api/v1/fees/result-files", "fees.manage", [=](Request& r) {
              if (r.body.empty())
                throw Error::invalid("fees.no_file", "send the result file as the body");
              return Response::json(doImport(r, r.body).toJson());
            }};
  api.max_body_bytes = 64 << 20;
  ctx.addRoute(api);

  auto download = [=](Request& r) {
    const StoredFile f = svc->storedFile(r.user().municipality_id, r.idParam("id"));
    audit(*context, r, "fees.file_downloaded", f.id, {{"kind", f.kind}, {"sha256", f.sha256}});
    return fileResponse(f);
  };
  ctx.addRoute({"GET", "/web/fees/files/{id}", "fees.manage", download});
  ctx.addRoute({"GET", "/api/v1/fees/files/{id}", "fees.manage", download});
}

}  // namespace sukusuku::fees
