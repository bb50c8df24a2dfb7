#include "web_consignors.h"

#include <sukusuku/error.h>

#include "web_pages.h"
#include "web_plans.h"

namespace sukusuku::fees {

namespace {

constexpr const char* kManage = "fees.manage";
using Form = std::multimap<std::string, std::string>;

std::string field(const Form& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? "" : it->second;
}

// Bank codes as typed: separated by commas (also 、，), spaces or new lines; full-width digits
// become ASCII ones.
std::vector<std::string> splitBankCodes(const std::string& text) {
  std::string ascii;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    // Full-width digits ０-９: EF BC 90-99.
    if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBC) {
      const auto d = static_cast<unsigned char>(text[i + 2]);
      if (d >= 0x90 && d <= 0x99) {
        ascii += static_cast<char>('0' + (d - 0x90));
        i += 3;
        continue;
      }
      if (d == 0x8C) {  // ，
        ascii += ',';
        i += 3;
        continue;
      }
    }
    if (text.compare(i, 3, "\xE3\x80\x81") == 0) {  // 、
      ascii += ',';
      i += 3;
      continue;
    }
    ascii += static_cast<char>(c);
    ++i;
  }
  std::vector<std::string> out;
  std::string cur;
  for (char c : ascii + ",") {
    if (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return out;
}

std::string joinCodes(const std::vector<std::string>& codes) {
  std::string out;
  for (const auto& c : codes) out += (out.empty() ? "" : ", ") + c;
  return out;
}

Consignor fromForm(const Form& f) {
  Consignor c;
  const auto id = parseTypedWhole(field(f, "id"));
  c.id = id ? *id : 0;
  c.code = field(f, "code");
  c.name = field(f, "name");
  c.bank_code = field(f, "bank_code");
  c.branch_code = field(f, "branch_code");
  const auto type = parseTypedWhole(field(f, "account_type"));
  c.account_type = type ? static_cast<int>(*type) : 0;
  c.account_number = field(f, "account_number");
  c.bank_codes = splitBankCodes(field(f, "bank_codes"));
  c.is_default = !field(f, "is_default").empty();
  return c;
}

struct Page {
  Web& web;
  FeesService& svc;
};

std::string tr(const Page& p, const Request& r, const std::string& key,
               const std::map<std::string, std::string>& args = {}) {
  return p.web.i18n().t(r.language, key, args);
}

// FORM: what the form shows (the consignor edited, or what was typed); BANK_CODES_TEXT as typed.
Response render(const Page& p, const Request& r, const Consignor& form,
                const std::string& bank_codes_text, const std::string& error,
                const std::string& error_field, int status) {
  const int64_t city = r.user().municipality_id;
  const BankTable& banks = p.svc.banks();
  nlohmann::json rows = nlohmann::json::array();
  for (const Consignor& c : p.svc.consignors(city)) {
    const Bank* bank = banks.bank(c.bank_code);
    const BankBranch* branch = banks.branch(c.bank_code, c.branch_code);
    nlohmann::json collects = nlohmann::json::array();
    for (const auto& b : c.bank_codes) {
      const Bank* cb = banks.bank(b);
      collects.push_back({{"code", b}, {"name", cb ? cb->name : ""}});
    }
    rows.push_back({{"id", c.id},
                    {"code", c.code},
                    {"name", c.name},
                    {"bank", c.bank_code + " " + (bank ? bank->name : "")},
                    {"branch", c.branch_code + " " + (branch ? branch->name : "")},
                    {"account",
                     tr(p, r, "fees.consignors.type_" + std::to_string(c.account_type)) + " " +
                         c.account_number},
                    {"collects", collects},
                    {"is_default", c.is_default},
                    {"in_use", c.in_use},
                    {"deletable", !c.is_default && !c.in_use}});
  }
  nlohmann::json types = nlohmann::json::array();
  for (int t : {1, 2, 4, 9}) {
    types.push_back({{"value", t},
                     {"label", tr(p, r, "fees.consignors.type_" + std::to_string(t))},
                     {"selected", form.account_type == t}});
  }
  nlohmann::json data{{"consignors", rows},
                      {"form",
                       {{"id", form.id},
                        {"code", form.code},
                        {"name", form.name},
                        {"bank_code", form.bank_code},
                        {"branch_code", form.branch_code},
                        {"account_number", form.account_number},
                        {"bank_codes", bank_codes_text},
                        {"is_default", form.is_default},
                        {"editing", form.id != 0}}},
                      {"types", types}};
  if (!error.empty()) data["error"] = error;
  if (!error_field.empty()) data["invalid"] = {{error_field, true}};
  if (auto saved = r.queryParam("saved")) {
    data["saved"] = tr(p, r, *saved == "deleted" ? "fees.consignors.deleted"
                                                 : "fees.consignors.saved");
  }
  return p.web.page(r, "fees/consignors", data, "fees.consignors.title", status);
}

// The reason of a refusal in the page's language, naming the field.
std::string reason(const Page& p, const Request& r, const Error& e) {
  const std::string f = e.details().value("field", "");
  std::map<std::string, std::string> args{
      {"field", f.empty() ? "" : tr(p, r, "fees.consignors.field_" + f)}};
  if (e.details().contains("bank_code")) args["bank_code"] = e.details()["bank_code"];
  if (e.details().contains("consignor_code")) {
    args["consignor_code"] = e.details()["consignor_code"];
  }
  const std::string code = e.code();
  const std::string key = "fees.consignors.err_" + code.substr(code.find('.') + 1);
  const std::string text = tr(p, r, key, args);
  return text == key ? tr(p, r, "fees.consignors.err_other", {{"code", code}}) : text;
}

Consignor fromJson(const nlohmann::json& body) {
  if (!body.is_object()) {
    throw Error::invalid("request.invalid_field", "a consignor object", {{"field", "code"}});
  }
  auto text = [&](const char* name) {
    if (!body.contains(name)) return std::string();
    if (!body[name].is_string()) {
      throw Error::invalid("request.invalid_field", std::string(name) + " must be a string",
                           {{"field", name}});
    }
    return body[name].get<std::string>();
  };
  Consignor c;
  c.code = text("code");
  c.name = text("name");
  c.bank_code = text("bank_code");
  c.branch_code = text("branch_code");
  c.account_number = text("account_number");
  if (body.contains("account_type")) {
    if (!body["account_type"].is_number_integer()) {
      throw Error::invalid("request.invalid_field", "account_type must be an integer",
                           {{"field", "account_type"}});
    }
    c.account_type = body["account_type"].get<int>();
  }
  if (body.contains("bank_codes")) {
    if (!body["bank_codes"].is_array()) {
      throw Error::invalid("request.invalid_field", "bank_codes must be an array of strings",
                           {{"field", "bank_codes"}});
    }
    for (const auto& b : body["bank_codes"]) {
      if (!b.is_string()) {
        throw Error::invalid("request.invalid_field", "bank_codes must be an array of strings",
                             {{"field", "bank_codes"}});
      }
      c.bank_codes.push_back(b.get<std::string>());
    }
  }
  if (body.contains("is_default")) {
    if (!body["is_default"].is_boolean()) {
      throw Error::invalid("request.invalid_field", "is_default must be true or false",
                           {{"field", "is_default"}});
    }
    c.is_default = body["is_default"].get<bool>();
  }
  return c;
}

nlohmann::json find(FeesService& svc, int64_t city, int64_t id) {
  for (const auto& c : svc.consignors(city)) {
    if (c.id == id) return c.toJson();
  }
  throw Error::notFound("fees.consignor_not_found", "no such consignor");
}

}  // namespace

void addConsignorPages(PluginContext& ctx, std::shared_ptr<FeesService> svc) {
  ctx.addNavItem({"fees.consignors.nav", "/web/fees/consignors", kManage, 67});
  auto p = std::make_shared<Page>(Page{ctx.web(), *svc});

  ctx.addRoute({"GET", "/web/fees/consignors", kManage, [p](Request& r) {
                  Consignor form;
                  if (auto edit = r.queryParam("edit"); edit && !edit->empty()) {
                    const auto id = parseTypedWhole(*edit);
                    bool found = false;
                    for (const auto& c : p->svc.consignors(r.user().municipality_id)) {
                      if (id && c.id == *id) {
                        form = c;
                        found = true;
                      }
                    }
                    if (!found) throw Error::notFound("fees.consignor_not_found", "no such consignor");
                  }
                  return render(*p, r, form, joinCodes(form.bank_codes), "", "", 200);
                }});

  ctx.addRoute({"POST", "/web/fees/consignors", kManage, [p](Request& r) {
                  const Form f = r.form();
                  const int64_t city = r.user().municipality_id;
                  const std::string action = field(f, "action");
                  if (action == "delete") {
                    const auto id = parseTypedWhole(field(f, "id"));
                    if (!id) throw Error::badRequest("fees.invalid_form", "id");
                    try {
                      p->svc.deleteConsignor(city, *id, actorOf(r));
                    } catch (const Error& e) {
                      if (e.status() != 409) throw;
                      return render(*p, r, Consignor{}, "", reason(*p, r, e), "", 409);
                    }
                    return Response::redirect("/web/fees/consignors?saved=deleted");
                  }
                  if (action != "save") {
                    throw Error::badRequest("fees.invalid_form", "action: save or delete");
                  }
                  const Consignor typed = fromForm(f);
                  try {
                    p->svc.saveConsignor(city, typed, actorOf(r));
                  } catch (const Error& e) {
                    if (e.status() != 422 && e.status() != 409) throw;
                    return render(*p, r, typed, field(f, "bank_codes"), reason(*p, r, e),
                                  e.details().value("field", ""), e.status());
                  }
                  return Response::redirect("/web/fees/consignors?saved=1");
                }});

  ctx.addRoute({"GET", "/api/v1/fees/consignors", kManage, [p](Request& r) {
                  nlohmann::json list = nlohmann::json::array();
                  for (const auto& c : p->svc.consignors(r.user().municipality_id)) {
                    list.push_back(c.toJson());
                  }
                  return Response::json({{"consignors", list}});
                }});
  ctx.addRoute({"POST", "/api/v1/fees/consignors", kManage, [p](Request& r) {
                  Consignor c = fromJson(r.json());
                  const int64_t city = r.user().municipality_id;
                  const int64_t id = p->svc.saveConsignor(city, c, actorOf(r));
                  return Response::json(find(p->svc, city, id), 201);
                }});
  ctx.addRoute({"PUT", "/api/v1/fees/consignors/{id}", kManage, [p](Request& r) {
                  Consignor c = fromJson(r.json());
                  c.id = r.idParam("id");
                  const int64_t city = r.user().municipality_id;
                  p->svc.saveConsignor(city, c, actorOf(r));
                  return Response::json(find(p->svc, city, c.id));
                }});
  ctx.addRoute({"DELETE", "/api/v1/fees/consignors/{id}", kManage, [p](Request& r) {
                  p->svc.deleteConsignor(r.user().municipality_id, r.idParam("id"), actorOf(r));
                  return Response::json({{"deleted", true}});
                }});
}

}  // namespace sukusuku::fees
