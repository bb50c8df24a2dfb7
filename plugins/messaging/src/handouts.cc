// Handouts and notices (お便り・配布物): staff compose rich text with PDF/image attachments for the
// facility, some classes or chosen families, send now or at a time (a job sends it; editable and
// cancellable until then); families get it through the push core (urgent notices — closures,
// emergencies — on its urgent path), and the inbox's read marks are the read receipts
// ("既読 23/25" families) with a one-tap reminder to the families that have not read it.
#include <algorithm>
#include <set>

#include <Poco/URI.h>

#include <sukusuku/api.h>
#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "audience.h"
#include "form_errors.h"
#include "outreach.h"
#include "rich_text.h"
#include "upload_form.h"

namespace sukusuku::messaging {

namespace {

constexpr size_t kMaxAttachments = 5;
constexpr size_t kMaxBodyBytes = 20000;

const char* kSelect =
    "SELECT id, municipality_id, facility_id, title, body, priority, audience, audience_ids, "
    "status, send_at, sent_at, cancelled_at, created_by_user_id, created_at, updated_at, "
    "last_reminded_at, reminders FROM messaging_handouts ";

std::string refOf(int64_t id) { return "messaging.handout:" + std::to_string(id); }

struct Handouts {
  Env& env;
  int64_t max_attachment_bytes;

  std::string now() const { return formatUtc(env.clock->now()); }
  std::string today() const { return tokyoDate(env.clock->now()); }

  nlohmann::json attachments(db::Connection& conn, int64_t handout, const std::string& base) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : conn.query(
             "SELECT id, filename, content_type, size_bytes FROM messaging_handout_attachments "
             "WHERE handout_id = ? ORDER BY id",
             {handout})) {
      out.push_back({{"id", a.getInt("id")},
                     {"filename", a.getText("filename")},
                     {"content_type", a.getText("content_type")},
                     {"size", a.getInt("size_bytes")},
                     {"is_image", a.getText("content_type").rfind("image/", 0) == 0},
                     {"url", base + "/attachments/" + std::to_string(a.getInt("id"))}});
    }
    return out;
  }

  nlohmann::json json(db::Connection& conn, const db::Row& row, const std::string& base) {
    int64_t id = row.getInt("id");
    return {{"id", id},
            {"facility_id", row.getInt("facility_id")},
            {"title", row.getText("title")},
            {"body", row.getText("body")},
            {"body_html", richTextHtml(row.getText("body"))},
            {"body_text", richTextPlain(row.getText("body"))},
            {"priority", row.getText("priority")},
            {"urgent", row.getText("priority") == "urgent"},
            {"status", row.getText("status")},
            {"send_at", row.getText("send_at")},
            {"sent_at", row.getOptText("sent_at").value_or("")},
            {"attachments", attachments(conn, id, base + "/" + std::to_string(id))}};
  }

  // The handout if the staff principal's facilities include its facility; else 404.
  db::Row staffHandout(db::Connection& conn, const Request& r) {
    int64_t id = r.idParam("handout_id");
    auto row = conn.queryOne(std::string(kSelect) + "WHERE id = ? AND municipality_id = ?",
                             {id, r.user().municipality_id});
    if (!row || !tenancy::canSeeFacility(conn, r.user(), row->getInt("facility_id"))) {
      throw Error::notFound("messaging.handout_not_found", "no such handout");
    }
    return *row;
  }

  // A sent handout that went to the guardian's household; else 404.
  db::Row guardianHandout(db::Connection& conn, const Request& r) {
    int64_t id = r.idParam("handout_id");
    const Principal& p = r.user();
    auto row = conn.queryOne(
        std::string(kSelect) +
            "WHERE id = ? AND municipality_id = ? AND status = 'sent' AND id IN (SELECT "
            "handout_id FROM messaging_handout_households WHERE household_id = ? AND "
            "municipality_id = ?)",
        {id, p.municipality_id, p.household_id, p.municipality_id});
    if (!row || p.household_id == 0) {
      throw Error::notFound("messaging.handout_not_found", "no such handout");
    }
    return *row;
  }

  Response download(db::Connection& conn, const db::Row& handout, const Request& r) {
    int64_t aid = r.idParam("attachment_id");
    auto a = conn.queryOne(
        "SELECT filename, content_type, blob_key FROM messaging_handout_attachments WHERE id = ? "
        "AND handout_id = ?",
        {aid, handout.getInt("id")});
    if (!a) throw Error::notFound("messaging.attachment_not_found", "no such attachment");
    auto bytes = env.ctx->blobs().get(a->getText("blob_key"));
    if (!bytes) throw Error::notFound("messaging.attachment_not_found", "the file is missing");
    Response out = Response::text(std::move(*bytes), a->getText("content_type"));
    std::string name = a->getText("filename"), encoded;
    Poco::URI::encode(name, "", encoded);
    out.headers["Content-Disposition"] = "inline; filename=\"attachment\"; filename*=UTF-8''" + encoded;
    out.headers["X-Content-Type-Options"] = "nosniff";
    out.headers["Cache-Control"] = "private, max-age=300";
    return out;
  }

  // Checked attachments of a form: content-sniffed, within the size limit. Nothing is stored.
  std::vector<std::pair<FormFile, std::string>> checkedFiles(const PostedForm& form) {
    std::vector<std::pair<FormFile, std::string>> out;
    for (const auto& f : form.files) {
      if (f.field != "attachments") continue;
      if (static_cast<int64_t>(f.bytes.size()) > max_attachment_bytes) {
        throw Error::invalid("messaging.attachment_too_large",
                             "an attachment is larger than the limit",
                             {{"filename", cleanFileName(f.filename)},
                              {"field", "attachments"},
                              {"max_bytes", max_attachment_bytes},
                              {"size", f.bytes.size()}});
      }
      std::string type = sniffAttachmentType(f.bytes);
      std::string name = cleanFileName(f.filename);
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      auto ends = [&lower](const std::string& ext) {
        return lower.size() >= ext.size() && lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0;
      };
      std::string claimed = ends(".pdf")                    ? "application/pdf"
                            : ends(".jpg") || ends(".jpeg") ? "image/jpeg"
                            : ends(".png")                  ? "image/png"
                            : ends(".gif")                  ? "image/gif"
                            : ends(".webp")                 ? "image/webp"
                                                            : "";
      if (type.empty() || (!claimed.empty() && claimed != type)) {
        throw Error::invalid("messaging.attachment_type",
                             "attachments are PDF files or images (JPEG, PNG, GIF, WebP), checked "
                             "by their content",
                             {{"filename", name}, {"detected", type}, {"field", "attachments"}});
      }
      out.emplace_back(FormFile{f.field, name, f.bytes}, type);
    }
    return out;
  }

  struct Draft {
    std::string title, body, priority, send_at;
    AudienceChoice audience;
  };

  Draft readDraft(db::Connection& conn, const Request& r, const PostedForm& form,
                  int64_t facility) {
    Draft d;
    d.title = requiredLine(form.fields, "title", 100, "messaging.invalid_title");
    d.body = formField(form.fields, "body");
    if (d.body.find_first_not_of(" \r\n\t") == std::string::npos) {
      throw Error::invalid("messaging.invalid_body", "the handout needs a text",
                           {{"field", "body"}});
    }
    if (d.body.size() > kMaxBodyBytes) {
      throw Error::invalid("messaging.invalid_body", "the text is too long",
                           {{"field", "body"}, {"max_bytes", kMaxBodyBytes}});
    }
    std::string priority = formField(form.fields, "priority");
    if (priority != "" && priority != "normal" && priority != "urgent") {
      throw Error::invalid("messaging.invalid_priority", "priority: normal or urgent",
                           {{"field", "priority"}});
    }
    d.priority = priority == "urgent" ? "urgent" : "normal";
    d.audience = readAudience(conn, r.user().municipality_id, facility, form.fields, today());
    std::string when = formField(form.fields, "send_at");
    d.send_at = now();
    if (!when.empty()) {
      d.send_at = utcOfLocalDateTime(when, "send_at", "messaging.invalid_send_at");
      // A minute of slack for a form filled in "now".
      if (parseUtc(d.send_at) < env.clock->now() - std::chrono::minutes(1)) {
        throw Error::invalid("messaging.send_at_in_past", "the sending time has passed",
                             {{"field", "send_at"}});
      }
      if (d.send_at < now()) d.send_at = now();
    }
    return d;
  }

  void storeFiles(db::Tx& tx, int64_t municipality, int64_t handout,
                  const std::vector<std::pair<FormFile, std::string>>& files) {
    for (const auto& [f, type] : files) {
      int64_t aid =
          tx.execute(
                "INSERT INTO messaging_handout_attachments (municipality_id, handout_id, filename, "
                "content_type, size_bytes, blob_key, created_at) VALUES (?, ?, ?, ?, ?, '', ?)",
                {municipality, handout, f.filename, type, static_cast<int64_t>(f.bytes.size()),
                 now()})
              .last_insert_id;
      std::string key = "messaging/handouts/" + std::to_string(municipality) + "/" +
                        std::to_string(handout) + "/" + std::to_string(aid);
      tx.execute("UPDATE messaging_handout_attachments SET blob_key = ? WHERE id = ?", {key, aid});
      env.ctx->blobs().put(key, f.bytes);
    }
  }

  push::Notification notification(const db::Row& h, bool reminder) {
    push::Notification n;
    n.municipality_id = h.getInt("municipality_id");
    n.category = "messaging.handout";
    bool urgent = h.getText("priority") == "urgent";
    std::string title = h.getText("title");
    n.title = {{"ja", std::string(reminder ? "【再送】" : "") + (urgent ? "【緊急】" : "【お便り】") + title},
               {"en", std::string(reminder ? "[Reminder] " : "") + (urgent ? "[Urgent] " : "[Notice] ") + title}};
    std::string text = utf8Cut(richTextPlain(h.getText("body")), 200);
    if (text.find_first_not_of(" \n") == std::string::npos) text = title;
    n.body = {{"ja", text}, {"en", text}};
    n.data = {{"route", "messaging.handout"}, {"id", std::to_string(h.getInt("id"))}};
    n.priority = urgent ? push::Priority::kUrgent : push::Priority::kNormal;
    n.source_ref = refOf(h.getInt("id"));
    return n;
  }

  // Sends handout ID if it is still scheduled: resolves the audience today, records the families
  // and notifies their guardians, all in one transaction. Returns false when it was not due any
  // more (sent or cancelled meanwhile, e.g. by another node).
  bool send(int64_t id, int64_t sender_user_id) {
    return env.db->transaction([&](db::Tx& tx) {
      std::string at = now();
      if (tx.execute("UPDATE messaging_handouts SET status = 'sent', sent_at = ?, updated_at = ? "
                     "WHERE id = ? AND status = 'scheduled'",
                     {at, at, id})
              .affected_rows != 1) {
        return false;
      }
      auto h = *tx.queryOne(std::string(kSelect) + "WHERE id = ?", {id});
      int64_t city = h.getInt("municipality_id");
      AudienceChoice choice{h.getText("audience"), splitIds(h.getText("audience_ids"))};
      std::set<int64_t> households;
      for (const auto& [household, child] :
           audienceChildren(tx, city, h.getInt("facility_id"), choice, today())) {
        (void)child;
        households.insert(household);
      }
      for (int64_t household : households) {
        tx.execute("INSERT INTO messaging_handout_households (handout_id, household_id, "
                   "municipality_id) VALUES (?, ?, ?)",
                   {id, household, city});
      }
      if (env.notifier && !households.empty()) {
        push::Notification n = notification(h, false);
        n.sender_user_id = sender_user_id;
        push::Audience a;
        a.households.assign(households.begin(), households.end());
        env.notifier->notify(tx, n, a);
      }
      return true;
    });
  }

  // Read receipts per family: a family has read it when any of its guardians has.
  nlohmann::json receipts(db::Connection& conn, const db::Row& h) {
    nlohmann::json out = {{"families", 0}, {"read", 0}, {"unread", 0}, {"no_app", 0},
                          {"label", ""}, {"unread_families", nlohmann::json::array()}};
    if (h.getText("status") != "sent") return out;
    int64_t city = h.getInt("municipality_id");
    std::map<int64_t, bool> read;  // household -> read
    if (env.notifier) {
      push::Receipts rc = env.notifier->receipts(conn, city, refOf(h.getInt("id")));
      std::vector<int64_t> users = rc.read_user_ids;
      users.insert(users.end(), rc.unread_user_ids.begin(), rc.unread_user_ids.end());
      auto households = householdsOfUsers(conn, city, users);
      for (int64_t u : rc.unread_user_ids) {
        if (households.count(u)) read.emplace(households[u], false);
      }
      for (int64_t u : rc.read_user_ids) {
        if (households.count(u)) read[households[u]] = true;
      }
    }
    int64_t total = 0;
    for (const auto& row : conn.query(
             "SELECT hh.household_id, h.name FROM messaging_handout_households hh JOIN households "
             "h ON h.id = hh.household_id WHERE hh.handout_id = ? ORDER BY h.name, hh.household_id",
             {h.getInt("id")})) {
      ++total;
      auto it = read.find(row.getInt("household_id"));
      if (it == read.end()) {
        out["no_app"] = out["no_app"].get<int64_t>() + 1;
      } else if (!it->second) {
        out["unread_families"].push_back(
            {{"id", row.getInt("household_id")}, {"name", row.getText("name")}});
      }
    }
    int64_t families = static_cast<int64_t>(read.size()), n_read = 0;
    for (const auto& [household, was] : read) n_read += was ? 1 : 0;
    out["families"] = families;
    out["read"] = n_read;
    out["unread"] = families - n_read;
    out["sent_to"] = total;
    out["label"] = std::to_string(n_read) + "/" + std::to_string(families);
    return out;
  }

  nlohmann::json staffItem(db::Connection& conn, const db::Row& row, const Request& r) {
    nlohmann::json j = json(conn, row, "/web/messaging/handouts");
    const I18n& i18n = env.web->i18n();
    j["send_at_label"] = tokyoDateTime(row.getText("send_at"));
    j["sent_at_label"] = tokyoDateTime(row.getOptText("sent_at").value_or(""));
    j["status_label"] = i18n.t(r.language, "messaging.handouts.status." + row.getText("status"));
    j["is_scheduled"] = row.getText("status") == "scheduled";
    j["is_sent"] = row.getText("status") == "sent";
    j["audience"] = row.getText("audience");
    j["audience_label"] = i18n.t(r.language, "messaging.handouts.audience_shown." + row.getText("audience"));
    j["receipts"] = receipts(conn, row);
    int64_t families = j["receipts"]["families"];
    j["receipt_bar"] = families ? j["receipts"]["read"].get<int64_t>() * 300 / families : 0;
    j["reminders"] = row.getInt("reminders");
    j["has_reminders"] = row.getInt("reminders") > 0;
    j["has_no_app"] = j["receipts"]["no_app"].get<int64_t>() > 0;
    j["last_reminded_at_label"] = tokyoDateTime(row.getOptText("last_reminded_at").value_or(""));
    return j;
  }

  nlohmann::json formData(db::Connection& conn, const Request& r, int64_t facility,
                          const std::optional<db::Row>& h) {
    std::set<int64_t> chosen;
    std::string audience = "facility";
    if (h) {
      audience = h->getText("audience");
      for (int64_t id : splitIds(h->getText("audience_ids"))) chosen.insert(id);
    }
    nlohmann::json classes = facilityClasses(conn, r.user().municipality_id, facility, today());
    nlohmann::json families = facilityFamilies(conn, r.user().municipality_id, facility, today());
    for (auto& c : classes) c["checked"] = audience == "classes" && chosen.count(c["id"].get<int64_t>());
    for (auto& f : families) f["checked"] = audience == "families" && chosen.count(f["id"].get<int64_t>());
    nlohmann::json data = {{"facility_id", facility},
                           {"classes", classes},
                           {"families", families},
                           {"aud_facility", audience == "facility"},
                           {"aud_classes", audience == "classes"},
                           {"aud_families", audience == "families"},
                           {"max_mb", max_attachment_bytes / (1024 * 1024)},
                           {"min_send_at", localInputValue(now())}};
    if (h) {
      data["handout"] = json(conn, *h, "/web/messaging/handouts");
      data["send_at_value"] = localInputValue(h->getText("send_at"));
      data["action"] = "/web/messaging/handouts/" + std::to_string(h->getInt("id"));
      data["editing"] = true;
      data["urgent"] = h->getText("priority") == "urgent";
    } else {
      data["action"] = "/web/messaging/handouts";
      data["editing"] = false;
    }
    return data;
  }

  void audit(db::Connection& conn, const Request& r, const std::string& action, int64_t id,
             nlohmann::json details = nlohmann::json::object()) {
    auditOutreach(env, conn, r, "messaging_handout", action, id, std::move(details));
  }

  // The compose form again with what was typed and ERROR beside its field; files are not kept
  // (a browser cannot be handed them back), which the form says.
  Response formAgain(db::Connection& conn, const Request& r, int64_t facility,
                     const std::optional<db::Row>& h, const PostedForm& form,
                     const nlohmann::json& error) {
    nlohmann::json data = formData(conn, r, facility, h);
    const auto& f = form.fields;
    data["handout"]["title"] = formField(f, "title");
    data["handout"]["body"] = formField(f, "body");
    data["urgent"] = formField(f, "priority") == "urgent";
    std::string audience = formField(f, "audience");
    if (audience.empty()) audience = "facility";
    data["aud_facility"] = audience == "facility";
    data["aud_classes"] = audience == "classes";
    data["aud_families"] = audience == "families";
    std::set<int64_t> chosen;
    for (const char* name : {"class_id", "household_id"}) {
      auto [b, e] = f.equal_range(name);
      for (auto it = b; it != e; ++it) {
        for (int64_t id : splitIds(it->second)) chosen.insert(id);
      }
    }
    for (auto& c : data["classes"]) c["checked"] = audience == "classes" && chosen.count(c["id"].get<int64_t>());
    for (auto& c : data["families"]) c["checked"] = audience == "families" && chosen.count(c["id"].get<int64_t>());
    data["send_at_value"] = formField(f, "send_at");
    data["files_dropped"] = !form.files.empty();
    addFormError(data, error);
    return env.web->page(r, "messaging/handout_form", data,
                         h ? "messaging.handouts.edit" : "messaging.handouts.compose", 422);
  }
};

}  // namespace

void addHandouts(Env& env) {
  PluginContext& ctx = *env.ctx;
  ctx.declareConfig("attachment_max_bytes", "10485760",
                    "Largest handout attachment (PDF or image) in bytes");
  auto h = std::make_shared<Handouts>(
      Handouts{env, std::max<int64_t>(1024, ctx.config().getInt("messaging.attachment_max_bytes"))});
  const int64_t upload_limit = h->max_attachment_bytes * static_cast<int64_t>(kMaxAttachments) + (1 << 20);

  // ---- guardians ----
  ctx.addRoute({"GET", "/api/v1/messaging/handouts", "messaging.handouts.read", [h](Request& r) {
    const Principal& p = r.user();
    auto page = api::pageRequest(r);
    auto conn = h->env.db->acquire();
    auto rows = conn->query(
        std::string(kSelect) +
            "WHERE municipality_id = ? AND status = 'sent' AND id IN (SELECT handout_id FROM "
            "messaging_handout_households WHERE household_id = ? AND municipality_id = ?) AND " +
            (page.after_id ? "id < ? " : "id > ? ") + "ORDER BY id DESC LIMIT ?",
        {p.municipality_id, p.household_id, p.municipality_id, page.after_id, page.limit});
    std::vector<std::string> refs;
    for (const auto& row : rows) refs.push_back(refOf(row.getInt("id")));
    auto read = readRefs(*conn, p.municipality_id, p.user_id, refs);
    nlohmann::json items = nlohmann::json::array();
    int64_t last = 0;
    for (const auto& row : rows) {
      nlohmann::json j = h->json(*conn, row, "/api/v1/messaging/handouts");
      j["read"] = read.count(refOf(row.getInt("id"))) > 0;
      items.push_back(j);
      last = row.getInt("id");
    }
    return Response::json(api::page(items, page, last));
  }});

  ctx.addRoute({"GET", "/api/v1/messaging/handouts/{handout_id}", "messaging.handouts.read",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->guardianHandout(*conn, r);
                  nlohmann::json j = h->json(*conn, row, "/api/v1/messaging/handouts");
                  j["read"] = !readRefs(*conn, r.user().municipality_id, r.user().user_id,
                                        {refOf(row.getInt("id"))})
                                   .empty();
                  return Response::json(j);
                }});

  ctx.addRoute({"POST", "/api/v1/messaging/handouts/{handout_id}/read", "messaging.handouts.read",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->guardianHandout(*conn, r);
                  markRefRead(*conn, r.user().municipality_id, r.user().user_id,
                              refOf(row.getInt("id")), h->now());
                  nlohmann::json j = h->json(*conn, row, "/api/v1/messaging/handouts");
                  j["read"] = true;
                  return Response::json(j);
                }});

  ctx.addRoute({"GET", "/api/v1/messaging/handouts/{handout_id}/attachments/{attachment_id}",
                "messaging.handouts.read", [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->guardianHandout(*conn, r);
                  return h->download(*conn, row, r);
                }});

  // ---- staff ----
  ctx.addRoute({"GET", "/web/messaging/handouts", "messaging.handouts.manage", [h](Request& r) {
    auto conn = h->env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    nlohmann::json items = nlohmann::json::array();
    for (const auto& row : conn->query(std::string(kSelect) +
                                           "WHERE municipality_id = ? AND facility_id = ? AND "
                                           "status <> 'cancelled' ORDER BY send_at DESC, id DESC "
                                           "LIMIT 100",
                                       {r.user().municipality_id, facility})) {
      items.push_back(h->staffItem(*conn, row, r));
    }
    if (r.queryParam("format").value_or("") == "json") {
      return Response::json({{"facility_id", facility}, {"items", items}});
    }
    return h->env.web->page(r, "messaging/handouts",
                            {{"facility_id", facility}, {"items", items}, {"has_items", !items.empty()}},
                            "messaging.handouts.title");
  }});

  ctx.addRoute({"GET", "/web/messaging/handouts/new", "messaging.handouts.manage", [h](Request& r) {
    auto conn = h->env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    return h->env.web->page(r, "messaging/handout_form", h->formData(*conn, r, facility, std::nullopt),
                            "messaging.handouts.compose");
  }});

  Route create{"POST", "/web/messaging/handouts", "messaging.handouts.manage", [h](Request& r) {
    PostedForm form = readPostedForm(r);
    auto conn = h->env.db->acquire();
    int64_t facility = 0;
    try {
      facility = std::stoll(formField(form.fields, "facility_id"));
    } catch (const std::exception&) {
      throw Error::notFound("tenancy.facility_not_found", "no such facility");
    }
    tenancy::requireFacility(*conn, r.user(), facility);
    return submitOrShowForm(*h->env.web, r, [&] {
    auto draft = h->readDraft(*conn, r, form, facility);
    auto files = h->checkedFiles(form);
    if (files.size() > kMaxAttachments) {
      throw Error::invalid("messaging.too_many_attachments", "at most 5 attachments",
                           {{"max", kMaxAttachments}, {"field", "attachments"}});
    }
    const Principal& p = r.user();
    int64_t id = h->env.db->transaction([&](db::Tx& tx) {
      std::string at = h->now();
      int64_t id = tx.execute("INSERT INTO messaging_handouts (municipality_id, facility_id, title, "
                              "body, priority, audience, audience_ids, status, send_at, "
                              "created_by_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, "
                              "?, ?, 'scheduled', ?, ?, ?, ?)",
                              {p.municipality_id, facility, draft.title, draft.body, draft.priority,
                               draft.audience.kind, joinIds(draft.audience.ids), draft.send_at,
                               p.user_id, at, at})
                       .last_insert_id;
      h->storeFiles(tx, p.municipality_id, id, files);
      h->audit(tx, r, "messaging.handout_created", id,
               {{"priority", draft.priority}, {"send_at", draft.send_at}, {"attachments", files.size()}});
      return id;
    });
    bool sent = draft.send_at <= h->now() && h->send(id, p.user_id);
    h->env.web->flash(r, "success",
                      h->env.web->i18n().t(r.language, sent ? "messaging.handouts.flash_sent"
                                                            : "messaging.handouts.flash_scheduled"));
    if (r.header("accept").find("application/json") != std::string::npos) {
      auto row = *conn->queryOne(std::string(kSelect) + "WHERE id = ?", {id});
      return Response::json(h->staffItem(*conn, row, r), 201);
    }
    return Response::redirect("/web/messaging/handouts/" + std::to_string(id));
    }, [&](const nlohmann::json& error) {
      return h->formAgain(*conn, r, facility, std::nullopt, form, error);
    });
  }};
  create.max_body_bytes = upload_limit;
  ctx.addRoute(std::move(create));

  ctx.addRoute({"GET", "/web/messaging/handouts/{handout_id}", "messaging.handouts.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->staffHandout(*conn, r);
                  nlohmann::json item = h->staffItem(*conn, row, r);
                  if (r.queryParam("format").value_or("") == "json") return Response::json(item);
                  return h->env.web->page(r, "messaging/handout",
                                          {{"handout", item}, {"facility_id", row.getInt("facility_id")}},
                                          "messaging.handouts.title");
                }});

  ctx.addRoute({"GET", "/web/messaging/handouts/{handout_id}/edit", "messaging.handouts.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->staffHandout(*conn, r);
                  if (row.getText("status") != "scheduled") {
                    throw Error::conflict("messaging.handout_not_editable",
                                          "only a scheduled handout can be changed");
                  }
                  return h->env.web->page(r, "messaging/handout_form",
                                          h->formData(*conn, r, row.getInt("facility_id"), row),
                                          "messaging.handouts.edit");
                }});

  Route update{"POST", "/web/messaging/handouts/{handout_id}", "messaging.handouts.manage",
               [h](Request& r) {
    PostedForm form = readPostedForm(r);
    auto conn = h->env.db->acquire();
    auto row = h->staffHandout(*conn, r);
    int64_t id = row.getInt("id"), facility = row.getInt("facility_id");
    if (row.getText("status") != "scheduled") {
      throw Error::conflict("messaging.handout_not_editable",
                            "only a scheduled handout can be changed");
    }
    return submitOrShowForm(*h->env.web, r, [&] {
    auto draft = h->readDraft(*conn, r, form, facility);
    auto files = h->checkedFiles(form);
    std::set<int64_t> remove;
    auto [b, e] = form.fields.equal_range("remove_attachment");
    for (auto it = b; it != e; ++it) {
      for (int64_t a : splitIds(it->second)) remove.insert(a);
    }
    int64_t kept = 0;
    for (const auto& a : conn->query("SELECT id FROM messaging_handout_attachments WHERE handout_id = ?", {id})) {
      kept += remove.count(a.getInt("id")) ? 0 : 1;
    }
    if (kept + static_cast<int64_t>(files.size()) > static_cast<int64_t>(kMaxAttachments)) {
      throw Error::invalid("messaging.too_many_attachments", "at most 5 attachments",
                           {{"max", kMaxAttachments}, {"field", "attachments"}});
    }
    std::vector<std::string> removed_keys;
    h->env.db->transaction([&](db::Tx& tx) {
      removed_keys.clear();
      if (tx.execute("UPDATE messaging_handouts SET title = ?, body = ?, priority = ?, audience = "
                     "?, audience_ids = ?, send_at = ?, updated_at = ? WHERE id = ? AND status = "
                     "'scheduled'",
                     {draft.title, draft.body, draft.priority, draft.audience.kind,
                      joinIds(draft.audience.ids), draft.send_at, h->now(), id})
              .affected_rows != 1) {
        throw Error::conflict("messaging.handout_not_editable",
                              "only a scheduled handout can be changed");
      }
      for (int64_t a : remove) {
        auto k = tx.queryOne("SELECT blob_key FROM messaging_handout_attachments WHERE id = ? AND "
                             "handout_id = ?",
                             {a, id});
        if (!k) continue;
        removed_keys.push_back(k->getText("blob_key"));
        tx.execute("DELETE FROM messaging_handout_attachments WHERE id = ?", {a});
      }
      h->storeFiles(tx, r.user().municipality_id, id, files);
      h->audit(tx, r, "messaging.handout_changed", id, {{"send_at", draft.send_at}});
    });
    for (const auto& k : removed_keys) h->env.ctx->blobs().remove(k);
    if (draft.send_at <= h->now()) h->send(id, r.user().user_id);
    return Response::redirect("/web/messaging/handouts/" + std::to_string(id));
    }, [&](const nlohmann::json& error) {
      return h->formAgain(*conn, r, facility, row, form, error);
    });
  }};
  update.max_body_bytes = upload_limit;
  ctx.addRoute(std::move(update));

  ctx.addRoute({"POST", "/web/messaging/handouts/{handout_id}/cancel", "messaging.handouts.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->staffHandout(*conn, r);
                  int64_t id = row.getInt("id");
                  h->env.db->transaction([&](db::Tx& tx) {
                    if (tx.execute("UPDATE messaging_handouts SET status = 'cancelled', "
                                   "cancelled_at = ?, updated_at = ? WHERE id = ? AND status = "
                                   "'scheduled'",
                                   {h->now(), h->now(), id})
                            .affected_rows != 1) {
                      throw Error::conflict("messaging.handout_not_editable",
                                            "only a scheduled handout can be cancelled");
                    }
                    h->audit(tx, r, "messaging.handout_cancelled", id);
                  });
                  return Response::redirect("/web/messaging/handouts?facility_id=" +
                                            std::to_string(row.getInt("facility_id")));
                }});

  // One tap: the guardians of every family that has not read it get it again (same source_ref,
  // so a family still counts once in the receipts).
  ctx.addRoute({"POST", "/web/messaging/handouts/{handout_id}/remind", "messaging.handouts.manage",
                [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->staffHandout(*conn, r);
                  int64_t id = row.getInt("id");
                  if (row.getText("status") != "sent") {
                    throw Error::conflict("messaging.handout_not_sent",
                                          "a reminder is for a handout already sent");
                  }
                  std::vector<int64_t> households;
                  nlohmann::json receipts = h->receipts(*conn, row);
                  for (const auto& f : receipts["unread_families"]) {
                    households.push_back(f["id"]);
                  }
                  return remindHouseholds(
                      h->env, r,
                      {"messaging_handouts", "messaging_handout", "messaging.handout_reminded",
                       "messaging.handouts.flash_reminded",
                       "/web/messaging/handouts/" + std::to_string(id), id, households,
                       h->notification(row, true)});
                }});

  ctx.addRoute({"GET", "/web/messaging/handouts/{handout_id}/attachments/{attachment_id}",
                "messaging.handouts.manage", [h](Request& r) {
                  auto conn = h->env.db->acquire();
                  auto row = h->staffHandout(*conn, r);
                  return h->download(*conn, row, r);
                }});

  // Scheduled handouts go out at their time, once across all nodes.
  ctx.addJob({"messaging.scheduled_handouts", std::chrono::seconds(60), std::chrono::seconds(300),
              [h](TimePoint) {
                std::vector<std::pair<int64_t, int64_t>> due;
                {
                  auto conn = h->env.db->acquire();
                  for (const auto& row : conn->query(
                           "SELECT id, created_by_user_id FROM messaging_handouts WHERE status = "
                           "'scheduled' AND send_at <= ? ORDER BY send_at, id LIMIT 500",
                           {h->now()})) {
                    due.emplace_back(row.getInt("id"), row.getInt("created_by_user_id"));
                  }
                }
                // One handout that cannot go out does not hold back the others.
                for (const auto& [id, by] : due) {
                  try {
                    h->send(id, by);
                  } catch (const std::exception& e) {
                    h->env.ctx->logger().error("handout " + std::to_string(id) +
                                               " was not sent: " + e.what());
                  }
                }
              }});
}

}  // namespace sukusuku::messaging
