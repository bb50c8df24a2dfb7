// The contact book (連絡帳): home side from guardians (API), nursery side from staff (class view
// on the tablet), unread and needs-reply per class, searchable history, a printable year.
//
// Validation (422, nothing stored): temperatures 34.0–42.0 °C; times HH:MM; a nap ends after
// it starts; choices from fixed lists; free text at most 2,000 characters.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>
#include <Poco/String.h>

#include <sukusuku/error.h>
#include <sukusuku/tenancy.h>

#include "common.h"
#include "contact_photos.h"
#include "form_errors.h"
#include "upload_form.h"

namespace sukusuku::messaging {

namespace {

const std::vector<std::string> kAmounts = {"none", "little", "half", "most", "all"};
const std::vector<std::string> kBowel = {"none", "normal", "soft", "diarrhea"};
const std::vector<std::string> kMood = {"good", "normal", "bad"};

struct FieldSpec {
  const char* name;
  enum Kind { kTemperature, kTime, kChoice, kText } kind;
  const std::vector<std::string>* choices = nullptr;
};

const std::vector<FieldSpec> kHome = {{"temperature", FieldSpec::kTemperature},
                                      {"bedtime", FieldSpec::kTime},
                                      {"wake_time", FieldSpec::kTime},
                                      {"breakfast", FieldSpec::kChoice, &kAmounts},
                                      {"bowel", FieldSpec::kChoice, &kBowel},
                                      {"mood", FieldSpec::kChoice, &kMood},
                                      {"pickup_time", FieldSpec::kTime},
                                      {"pickup_person", FieldSpec::kText}};
const std::vector<FieldSpec> kNursery = {{"temperature", FieldSpec::kTemperature},
                                         {"lunch", FieldSpec::kChoice, &kAmounts},
                                         {"snack", FieldSpec::kChoice, &kAmounts},
                                         {"nap_start", FieldSpec::kTime},
                                         {"nap_end", FieldSpec::kTime},
                                         {"bowel", FieldSpec::kChoice, &kBowel},
                                         {"mood", FieldSpec::kChoice, &kMood},
                                         {"activities", FieldSpec::kText}};

// The validated fields of one side from INPUT (JSON values, or form strings turned into JSON).
nlohmann::json validateFields(const nlohmann::json& input, const std::vector<FieldSpec>& specs) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& spec : specs) {
    if (!input.contains(spec.name)) continue;
    const nlohmann::json& v = input[spec.name];
    if (v.is_null() || (v.is_string() && v.get<std::string>().empty())) continue;
    nlohmann::json details = {{"field", spec.name}};
    switch (spec.kind) {
      case FieldSpec::kTemperature: {
        double t = 0;
        if (v.is_number()) {
          t = v.get<double>();
        } else if (v.is_string()) {
          try {
            size_t used = 0;
            t = std::stod(v.get<std::string>(), &used);
            if (used != v.get<std::string>().size()) t = -1;
          } catch (const std::exception&) {
            t = -1;
          }
        }
        if (!(t >= 34.0 && t <= 42.0)) {
          throw Error::invalid("messaging.temperature_out_of_range",
                               "temperature must be between 34.0 and 42.0 °C", details);
        }
        out[spec.name] = std::round(t * 10) / 10;
        break;
      }
      case FieldSpec::kTime:
        if (!v.is_string() || !validTime(v)) {
          throw Error::invalid("messaging.invalid_time", std::string(spec.name) + " must be HH:MM",
                               details);
        }
        out[spec.name] = v;
        break;
      case FieldSpec::kChoice:
        if (!v.is_string() || std::find(spec.choices->begin(), spec.choices->end(),
                                        v.get<std::string>()) == spec.choices->end()) {
          details["allowed"] = *spec.choices;
          throw Error::invalid("messaging.invalid_choice",
                               std::string(spec.name) + " is not one of the choices", details);
        }
        out[spec.name] = v;
        break;
      case FieldSpec::kText:
        out[spec.name] = optionalText(input, spec.name, 200);
        break;
    }
  }
  if (out.contains("nap_start") != out.contains("nap_end")) {
    throw Error::invalid("messaging.invalid_nap", "a nap needs both start and end",
                         {{"field", out.contains("nap_start") ? "nap_end" : "nap_start"}});
  }
  if (out.contains("nap_start") && minutesOf(out["nap_end"]) <= minutesOf(out["nap_start"])) {
    throw Error::invalid("messaging.nap_end_before_start", "the nap must end after it starts",
                         {{"nap_start", out["nap_start"]},
                          {"nap_end", out["nap_end"]},
                          {"field", "nap_end"}});
  }
  return out;
}

const char* kSelect =
    "SELECT id, child_id, facility_id, date, side, fields, text, by_user_id, created_at, "
    "updated_at, read_at FROM messaging_contact_entries ";

nlohmann::json entryJson(const db::Row& r) {
  return {{"id", r.getInt("id")},
          {"child_id", r.getInt("child_id")},
          {"date", r.getText("date")},
          {"side", r.getText("side")},
          {"fields", nlohmann::json::parse(r.getText("fields"))},
          {"text", r.getText("text")},
          {"updated_at", r.getText("updated_at")},
          {"read", !r.isNull("read_at")},
          {"read_at", r.getOptText("read_at").value_or("")}};
}

// Writes SIDE of the child's day (insert, or the author's same-day edit).
nlohmann::json saveSide(Env& env, const Principal& p, int64_t facility, int64_t child,
                        const std::string& date, const std::string& side,
                        const nlohmann::json& fields, const std::string& text) {
  std::string now = formatUtc(env.clock->now());
  auto conn = env.db->acquire();
  conn->execute(
      conn->dialect().upsert("messaging_contact_entries",
                             {"municipality_id", "facility_id", "child_id", "date", "side",
                              "fields", "text", "by_user_id", "created_at", "updated_at"},
                             {"child_id", "date", "side"},
                             {"fields", "text", "by_user_id", "updated_at"}),
      {p.municipality_id, facility, child, date, side, fields.dump(), text, p.user_id, now, now});
  // An edit is news again for the other side.
  conn->execute(
      "UPDATE messaging_contact_entries SET read_at = NULL, read_by_user_id = NULL WHERE "
      "child_id = ? AND date = ? AND side = ?",
      {child, date, side});
  return entryJson(*conn->queryOne(std::string(kSelect) +
                                       "WHERE child_id = ? AND date = ? AND side = ?",
                                   {child, date, side}));
}

void markRead(db::Connection& conn, const Principal& p, int64_t child, const std::string& date,
              const std::string& side, const std::string& now) {
  conn.execute(
      "UPDATE messaging_contact_entries SET read_at = ?, read_by_user_id = ? WHERE child_id = ? "
      "AND date = ? AND side = ? AND read_at IS NULL AND municipality_id = ?",
      {now, p.user_id, child, date, side, p.municipality_id});
}

const char* kApiPhotos = "/api/v1/messaging/contact-book/photos";

// Gives each entry of ENTRIES (date, side) its photos from PHOTOS ("date|side" -> list).
void addPhotos(nlohmann::json& entry, const std::map<std::string, nlohmann::json>& photos) {
  auto it = photos.find(entry["date"].get<std::string>() + "|" + entry["side"].get<std::string>());
  entry["photos"] = it == photos.end() ? nlohmann::json::array() : it->second;
}

nlohmann::json dayJson(db::Connection& conn, const ContactPhotos& photos, int64_t child,
                       const std::string& date) {
  nlohmann::json out = {{"child_id", child}, {"date", date}, {"home", nullptr}, {"nursery", nullptr}};
  auto pics = photos.list(conn, child, date, date, kApiPhotos);
  for (const auto& r :
       conn.query(std::string(kSelect) + "WHERE child_id = ? AND date = ?", {child, date})) {
    nlohmann::json e = entryJson(r);
    addPhotos(e, pics);
    out[r.getText("side")] = e;
  }
  return out;
}

// The home side's day entry exists after a photo is added (an empty note if none was written)
// and is news again for the nursery.
void touchSide(db::Connection& tx, const Principal& p, int64_t facility, int64_t child,
               const std::string& date, const std::string& side, const std::string& now) {
  tx.execute(tx.dialect().upsert("messaging_contact_entries",
                                 {"municipality_id", "facility_id", "child_id", "date", "side",
                                  "fields", "text", "by_user_id", "created_at", "updated_at"},
                                 {"child_id", "date", "side"}, {"updated_at"}),
             {p.municipality_id, facility, child, date, side, "{}", "", p.user_id, now, now});
  tx.execute("UPDATE messaging_contact_entries SET read_at = NULL, read_by_user_id = NULL WHERE "
             "child_id = ? AND date = ? AND side = ?",
             {child, date, side});
}

// Photos of an API body: multipart parts named "photos" (or "photo"), or JSON
// {"photos":[{"filename","content_base64"}]} / {"filename","content_base64"}.
std::vector<PhotoUpload> uploadsOf(const Request& r) {
  std::vector<PhotoUpload> out;
  if (Poco::toLower(r.header("content-type")).rfind("multipart/form-data", 0) == 0) {
    for (auto& f : readPostedForm(r).files) {
      if (f.field == "photos" || f.field == "photo") out.push_back({f.filename, std::move(f.bytes)});
    }
    return out;
  }
  nlohmann::json body = r.json();
  nlohmann::json list = body.is_object() && body.contains("photos") ? body["photos"]
                                                                    : nlohmann::json::array({body});
  if (!list.is_array()) throw Error::invalid("messaging.invalid_photo", "photos: a list");
  for (const auto& item : list) {
    if (!item.is_object() || !item.contains("content_base64") ||
        !item["content_base64"].is_string()) {
      throw Error::invalid("messaging.invalid_photo", "each photo needs content_base64",
                           {{"field", "content_base64"}});
    }
    std::string bytes;
    try {
      std::istringstream in(item["content_base64"].get<std::string>());
      Poco::Base64Decoder decoder(in);
      bytes.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
    } catch (const Poco::Exception&) {
      throw Error::invalid("messaging.invalid_photo", "content_base64 is not base64",
                           {{"field", "content_base64"}});
    }
    std::string name = item.value("filename", "");
    out.push_back({name, std::move(bytes)});
  }
  return out;
}

int64_t facilityOf(db::Connection& conn, const Principal& p, int64_t child,
                   const std::string& date) {
  auto e = enrolmentOn(conn, p.municipality_id, child, date);
  if (!e) throw Error::invalid("messaging.not_enrolled", "the child is not enrolled on that date");
  return e->facility_id;
}

std::string likePattern(const std::string& q) {
  std::string out = "%";
  for (char c : q) {
    if (c == '%' || c == '_' || c == '!') out += '!';
    out += c;
  }
  return out + "%";
}

// The class view (クラス連絡帳) of FACILITY's CLASS_ID (0: the first class) on DATE; with RETRY,
// that child's nursery form shows what was sent and why it was refused (status 422).
struct NurseryRetry {
  int64_t child = 0;
  nlohmann::json values;  // field -> typed value
  std::string text;
  nlohmann::json error;   // formError()
};

Response classView(Env& env, const ContactPhotos& photos, db::Connection& conn, const Request& r,
                   int64_t facility, const std::string& date, int64_t class_id,
                   const NurseryRetry* retry) {
    const Principal& p = r.user();
    std::map<int64_t, std::map<std::string, nlohmann::json>> entries;
    for (const auto& row : conn.query(std::string(kSelect) +
                                           "WHERE facility_id = ? AND date = ? AND "
                                           "municipality_id = ?",
                                       {facility, date, p.municipality_id})) {
      entries[row.getInt("child_id")][row.getText("side")] = entryJson(row);
    }
    auto pics = photos.ofFacilityDay(conn, p.municipality_id, facility, date);
    nlohmann::json classes = nlohmann::json::array();
    for (const auto& c : classesAtFacility(conn, p.municipality_id, facility, date)) {
      if (class_id == 0) class_id = c.getInt("id");
      classes.push_back({{"id", c.getInt("id")},
                         {"name", c.getText("name")},
                         {"active", c.getInt("id") == class_id}});
    }
    auto rows = conn.query(
        "SELECT c.id, c.family_name, c.given_name FROM children c JOIN enrolments e ON "
        "e.child_id = c.id WHERE e.facility_id = ? AND e.municipality_id = ? AND e.class_id = ? "
        "AND e.starts_on <= ? AND (e.ends_on IS NULL OR e.ends_on >= ?) ORDER BY "
        "c.family_name_kana, c.given_name_kana, c.id",
        {facility, p.municipality_id, class_id, date, date});
    const I18n& i18n = env.web->i18n();
    nlohmann::json children = nlohmann::json::array();
    int unread = 0, needs_reply = 0, home_count = 0;
    for (const auto& row : rows) {
      int64_t id = row.getInt("id");
      // Every key the template tests is set on each child, so a section never falls back to the
      // page's own "unread" / "needs_reply" counts.
      nlohmann::json c = {{"id", id},
                          {"name", row.getText("family_name") + " " + row.getText("given_name")},
                          {"unread", false},
                          {"needs_reply", false},
                          {"home", nullptr},
                          {"nursery", nullptr},
                          {"photos", pics[id]["nursery"].is_null() ? nlohmann::json::array()
                                                                   : pics[id]["nursery"]}};
      auto& e = entries[id];
      if (e.count("home")) {
        ++home_count;
        nlohmann::json home = e["home"];
        nlohmann::json shown = nlohmann::json::array();
        for (auto it = home["fields"].begin(); it != home["fields"].end(); ++it) {
          std::string value = it->is_string() ? it->get<std::string>() : it->dump();
          if (it->is_string() && it.key() != "pickup_person" && !validTime(value)) {
            value = i18n.t(r.language, "messaging.choice." + value);
          }
          shown.push_back({{"label", i18n.t(r.language, "messaging.field." + it.key())},
                           {"value", value}});
        }
        home["shown"] = shown;
        home["photos"] = pics[id]["home"].is_null() ? nlohmann::json::array() : pics[id]["home"];
        c["home"] = home;
        c["unread"] = !home["read"].get<bool>();
        if (c["unread"].get<bool>()) ++unread;
        bool replied = e.count("nursery") &&
                       e["nursery"]["updated_at"].get<std::string>() >=
                           home["updated_at"].get<std::string>();
        c["needs_reply"] = !replied;
        if (!replied) ++needs_reply;
      }
      if (e.count("nursery")) c["nursery"] = e["nursery"];
      c["form"] = e.count("nursery") ? e["nursery"]["fields"] : nlohmann::json::object();
      c["form_text"] = e.count("nursery") ? e["nursery"]["text"] : nlohmann::json("");
      c["error"] = false;
      c["errors"] = nlohmann::json::object();
      if (retry && retry->child == id) {
        // The form as it was sent, with the message beside the field.
        c["form"] = retry->values;
        c["form_text"] = retry->text;
        nlohmann::json shown = nlohmann::json::object();
        addFormError(shown, retry->error);
        c["error"] = shown["error"];
        c["errors"] = shown["errors"];
      }
      for (const char* name : {"lunch", "bowel"}) {
        const auto& choices = std::string(name) == "lunch" ? kAmounts : kBowel;
        std::string chosen = c["form"].value(name, std::string());
        nlohmann::json options = nlohmann::json::array();
        for (const auto& v : choices) {
          options.push_back({{"value", v},
                             {"label", i18n.t(r.language, "messaging.choice." + v)},
                             {"selected", v == chosen}});
        }
        c[std::string(name) + "_options"] = options;
      }
      children.push_back(c);
    }
    env.ctx->audit().record(conn, {.municipality_id = p.municipality_id,
                                    .actor_user_id = p.user_id,
                                    .actor_role = p.role,
                                    .action = "messaging.contact_book.class_read",
                                    .target_type = "class",
                                    .target_id = std::to_string(class_id),
                                    .details = {{"date", date}, {"children", children.size()}},
                                    .request_id = r.request_id});
    nlohmann::json data = {{"facility_id", facility}, {"class_id", class_id},
                           {"date", date},            {"classes", classes},
                           {"children", children},    {"unread", unread},
                           {"needs_reply", needs_reply}, {"home_count", home_count},
                           {"amounts", kAmounts},     {"bowels", kBowel},
                           {"max_photos", kMaxPhotosPerEntry},
                           {"photo_max_mb", photos.maxBytes() / (1024 * 1024)}};
    if (r.queryParam("format").value_or("") == "json") return Response::json(data);
    return env.web->page(r, "messaging/contact_book", data, "messaging.contact_book.title");
}


// A photo of the calling family's own child (either side), or 404 messaging.photo_not_found.
db::Row familyPhoto(Env& env, ContactPhotos& photos, db::Connection& conn, Request& r) {
  const Principal& p = r.user();
  db::Row photo = photos.find(conn, p.municipality_id, r.idParam("photo_id"));
  if (!tenancy::canSeeChild(conn, p, photo.getInt("child_id"), tokyoDate(env.clock->now()))) {
    throw Error::notFound("messaging.photo_not_found", "no such photo");
  }
  return photo;
}
}  // namespace

void addContactBook(Env& env) {
  PluginContext& ctx = *env.ctx;
  ctx.declareConfig("photo_max_bytes", "10485760",
                    "Largest contact-book photo upload (JPEG, PNG or WebP) in bytes");
  ctx.declareConfig("photo_max_pixels", "40000000",
                    "Most pixels (width x height) of a contact-book photo");
  auto photos = std::make_shared<ContactPhotos>(env);

  // One day, both sides; reading it marks the nursery side read by the family.
  ctx.addRoute({"GET", "/api/v1/messaging/children/{child_id}/contact-book/{date}",
                "messaging.contact_book.home", [&env, photos](Request& r) {
                  int64_t child = r.idParam("child_id");
                  std::string date = r.param("date");
                  if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "YYYY-MM-DD");
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, tokyoDate(env.clock->now()));
                  auto out = dayJson(*conn, *photos, child, date);
                  markRead(*conn, p, child, date, "nursery", formatUtc(env.clock->now()));
                  return Response::json(out);
                }});

  // The home side: {"fields":{temperature, bedtime, wake_time, breakfast, bowel, mood,
  // pickup_time, pickup_person}, "text":"..."} for today or a past day of this week.
  ctx.addRoute({"PUT", "/api/v1/messaging/children/{child_id}/contact-book/{date}/home",
                "messaging.contact_book.home", [&env, photos](Request& r) {
                  int64_t child = r.idParam("child_id");
                  std::string date = r.param("date");
                  std::string today = tokyoDate(env.clock->now());
                  if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "YYYY-MM-DD");
                  if (date > today || daysFromDate(today) - daysFromDate(date) > 6) {
                    throw Error::invalid("messaging.date_not_editable",
                                         "the home side is written for today (or this week)");
                  }
                  auto body = r.json();
                  if (!body.is_object()) {
                    throw Error::invalid("messaging.invalid_entry", "expected an object");
                  }
                  nlohmann::json fields =
                      validateFields(body.value("fields", nlohmann::json::object()), kHome);
                  std::string text = optionalText(body, "text", 2000);
                  if (fields.empty() && text.empty()) {
                    throw Error::invalid("messaging.empty_entry", "write something first");
                  }
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, today);
                  int64_t facility = facilityOf(*conn, p, child, date);
                  auto saved = saveSide(env, p, facility, child, date, "home", fields, text);
                  addPhotos(saved, photos->list(*conn, child, date, date, kApiPhotos));
                  return Response::json(saved);
                }});

  // Photos on the home side: multipart parts "photos", or JSON with base64 (see uploadsOf).
  // Checked by content and limits before anything is stored; at most kMaxPhotosPerEntry a day.
  Route add_photos{"POST", "/api/v1/messaging/children/{child_id}/contact-book/{date}/home/photos",
                   "messaging.contact_book.home", [&env, photos](Request& r) {
    int64_t child = r.idParam("child_id");
    std::string date = r.param("date");
    std::string today = tokyoDate(env.clock->now());
    if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "YYYY-MM-DD");
    auto conn = env.db->acquire();
    const Principal& p = r.user();
    tenancy::requireChild(*conn, p, child, today);
    if (date > today || daysFromDate(today) - daysFromDate(date) > 6) {
      throw Error::invalid("messaging.date_not_editable",
                           "the home side is written for today (or this week)");
    }
    int64_t facility = facilityOf(*conn, p, child, date);
    std::vector<PhotoUpload> uploads = uploadsOf(r);
    if (uploads.empty()) {
      throw Error::invalid("messaging.invalid_photo", "no photo in the request",
                           {{"field", "photos"}});
    }
    photos->checkCount(*conn, child, date, "home", {}, uploads.size());
    std::vector<ReadyPhoto> ready = photos->prepare(uploads);
    env.db->transaction([&](db::Tx& tx) {
      photos->checkCount(tx, child, date, "home", {}, ready.size());
      touchSide(tx, p, facility, child, date, "home", formatUtc(env.clock->now()));
      photos->store(tx, p, facility, child, date, "home", ready);
    });
    return Response::json(dayJson(*conn, *photos, child, date), 201);
  }};
  add_photos.max_body_bytes = photos->maxBytes() * 2 + (1 << 20);
  ctx.addRoute(std::move(add_photos));

  // A photo of the family's own child (either side); ?size=thumb for the small one.
  ctx.addRoute({"GET", "/api/v1/messaging/contact-book/photos/{photo_id}",
                "messaging.contact_book.home", [&env, photos](Request& r) {
                  auto conn = env.db->acquire();
                  db::Row photo = familyPhoto(env, *photos, *conn, r);
                  return photos->image(photo, r);
                }});

  // The family removes one of its own home-side photos.
  ctx.addRoute({"DELETE", "/api/v1/messaging/contact-book/photos/{photo_id}",
                "messaging.contact_book.home", [&env, photos](Request& r) {
                  auto conn = env.db->acquire();
                  db::Row photo = familyPhoto(env, *photos, *conn, r);
                  if (photo.getText("side") != "home") {
                    throw Error::forbidden("messaging.photo_not_yours",
                                           "the nursery's photos are removed by the nursery");
                  }
                  std::vector<std::string> keys;
                  env.db->transaction([&](db::Tx& tx) {
                    keys = photos->remove(tx, photo.getInt("child_id"), photo.getText("date"),
                                          "home", {photo.getInt("id")});
                  });
                  photos->removeBlobs(keys);
                  return Response::noContent();
                }});

  // A photo for the staff of the child's facility (the class view, the year page).
  ctx.addRoute({"GET", "/web/messaging/contact-book/photos/{photo_id}",
                "messaging.contact_book.nursery", [&env, photos](Request& r) {
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  db::Row photo = photos->find(*conn, p.municipality_id, r.idParam("photo_id"));
                  if (!tenancy::canSeeFacility(*conn, p, photo.getInt("facility_id")) ||
                      !tenancy::canSeeChild(*conn, p, photo.getInt("child_id"),
                                            photo.getText("date"))) {
                    throw Error::notFound("messaging.photo_not_found", "no such photo");
                  }
                  return photos->image(photo, r);
                }});

  // History: days with entries, newest first; ?q= searches the free text; ?from=&to=.
  ctx.addRoute({"GET", "/api/v1/messaging/children/{child_id}/contact-book",
                "messaging.contact_book.home", [&env, photos](Request& r) {
                  int64_t child = r.idParam("child_id");
                  auto conn = env.db->acquire();
                  const Principal& p = r.user();
                  tenancy::requireChild(*conn, p, child, tokyoDate(env.clock->now()));
                  std::string from = r.queryParam("from").value_or("0000-00-00");
                  std::string to = r.queryParam("to").value_or("9999-99-99");
                  std::string q = r.queryParam("q").value_or("");
                  if (q.size() > 100) throw Error::invalid("messaging.invalid_query", "q too long");
                  auto rows = conn->query(
                      std::string(kSelect) +
                          "WHERE child_id = ? AND municipality_id = ? AND date >= ? AND date <= ? "
                          "AND (? = '' OR text LIKE ? ESCAPE '!' OR fields LIKE ? ESCAPE "
                          "'!') ORDER BY date DESC, side LIMIT 200",
                      {child, p.municipality_id, from, to, q, likePattern(q), likePattern(q)});
                  auto pics = photos->list(*conn, child, from, to, kApiPhotos);
                  nlohmann::json items = nlohmann::json::array();
                  for (const auto& row : rows) {
                    items.push_back(entryJson(row));
                    addPhotos(items.back(), pics);
                  }
                  return Response::json({{"items", items}});
                }});

  // The class view (クラス連絡帳): every child's home note, unread and needs-reply, and the
  // nursery side's form, on one screen.
  ctx.addRoute({"GET", "/web/messaging/contact-book", "messaging.contact_book.nursery",
                [&env, photos](Request& r) {
    auto conn = env.db->acquire();
    int64_t facility = staffFacility(*conn, r);
    std::string date = r.queryParam("date").value_or(tokyoDate(env.clock->now()));
    if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "YYYY-MM-DD");
    int64_t class_id = 0;
    if (auto q = r.queryParam("class_id"); q && !q->empty()) {
      try {
        class_id = std::stoll(*q);
      } catch (const std::exception&) {
      }
    }
    return classView(env, *photos, *conn, r, facility, date, class_id, nullptr);
  }});

  // The nursery side from the class view's form (fields as form values).
  // Photos come as multipart parts "photos"; "remove_photo" names photos to take off.
  Route nursery{"POST", "/web/messaging/contact-book/{child_id}/{date}/nursery",
                "messaging.contact_book.nursery", [&env, photos](Request& r) {
    int64_t child = r.idParam("child_id");
    std::string date = r.param("date");
    if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "YYYY-MM-DD");
    if (date > tokyoDate(env.clock->now())) {
      throw Error::invalid("messaging.date_not_editable", "not for a future day");
    }
    PostedForm posted = readPostedForm(r);
    const auto& form = posted.fields;
    auto conn = env.db->acquire();
    const Principal& p = r.user();
    tenancy::requireChild(*conn, p, child, date);
    int64_t facility = facilityOf(*conn, p, child, date);
    nlohmann::json input = nlohmann::json::object();
    for (const auto& spec : kNursery) input[spec.name] = formField(form, spec.name);
    int64_t class_id = 0;
    try {
      class_id = std::stoll(formField(form, "class_id"));
    } catch (const std::exception&) {
    }
    // A refused value shows the class view again with this child's form as it was sent.
    return submitOrShowForm(*env.web, r, [&] {
    nlohmann::json fields = validateFields(input, kNursery);
    nlohmann::json text_body = {{"text", formField(form, "text")}};
    std::string text = optionalText(text_body, "text", 2000);
    std::vector<PhotoUpload> uploads;
    for (auto& f : posted.files) {
      if (f.field == "photos") uploads.push_back({f.filename, std::move(f.bytes)});
    }
    std::set<int64_t> removing;
    auto [rb, re] = form.equal_range("remove_photo");
    for (auto it = rb; it != re; ++it) {
      try {
        removing.insert(std::stoll(it->second));
      } catch (const std::exception&) {
      }
    }
    photos->checkCount(*conn, child, date, "nursery", removing, uploads.size());
    std::vector<ReadyPhoto> ready = photos->prepare(uploads);
    saveSide(env, p, facility, child, date, "nursery", fields, text);
    std::vector<std::string> removed_keys;
    if (!ready.empty() || !removing.empty()) {
      env.db->transaction([&](db::Tx& tx) {
        removed_keys = photos->remove(tx, child, date, "nursery", removing);
        photos->store(tx, p, facility, child, date, "nursery", ready);
      });
      photos->removeBlobs(removed_keys);
    }
    markRead(*conn, p, child, date, "home", formatUtc(env.clock->now()));
    std::string next = "/web/messaging/contact-book?facility_id=" + std::to_string(facility) +
                       "&date=" + date;
    if (auto cl = formField(form, "class_id"); !cl.empty()) next += "&class_id=" + cl;
    return Response::redirect(next + "#child-" + std::to_string(child));
    }, [&](const nlohmann::json& error) {
      NurseryRetry retry{child, input, formField(form, "text"), error};
      return classView(env, *photos, *conn, r, facility, date, class_id, &retry);
    });
  }};
  nursery.max_body_bytes = photos->maxBytes() * kMaxPhotosPerEntry + (1 << 20);
  ctx.addRoute(std::move(nursery));

  // Marks a home note read without replying.
  ctx.addRoute({"POST", "/web/messaging/contact-book/{child_id}/{date}/read",
                "messaging.contact_book.nursery", [&env](Request& r) {
    int64_t child = r.idParam("child_id");
    std::string date = r.param("date");
    if (!validDate(date)) throw Error::invalid("messaging.invalid_date", "YYYY-MM-DD");
    auto conn = env.db->acquire();
    const Principal& p = r.user();
    tenancy::requireChild(*conn, p, child, date);
    int64_t facility = facilityOf(*conn, p, child, date);
    markRead(*conn, p, child, date, "home", formatUtc(env.clock->now()));
    auto form = r.form();
    std::string next = "/web/messaging/contact-book?facility_id=" + std::to_string(facility) +
                       "&date=" + date;
    if (auto cl = formField(form, "class_id"); !cl.empty()) next += "&class_id=" + cl;
    return Response::redirect(next + "#child-" + std::to_string(child));
  }});

  // A child's whole fiscal year on one printable page (卒園時の連絡帳).
  ctx.addRoute({"GET", "/web/messaging/contact-book/{child_id}/year",
                "messaging.contact_book.nursery", [&env, photos](Request& r) {
    int64_t child = r.idParam("child_id");
    int fy = fiscalYear(env.clock->now());
    if (auto q = r.queryParam("fiscal_year")) {
      try {
        fy = std::stoi(*q);
      } catch (const std::exception&) {
        throw Error::invalid("messaging.invalid_year", "fiscal_year must be a year");
      }
    }
    std::string from = std::to_string(fy) + "-04-01", to = std::to_string(fy + 1) + "-03-31";
    auto conn = env.db->acquire();
    const Principal& p = r.user();
    tenancy::requireChild(*conn, p, child, std::min(to, tokyoDate(env.clock->now())));
    auto c = conn->queryOne("SELECT family_name, given_name FROM children WHERE id = ?", {child});
    auto pics = photos->list(*conn, child, from, to, "/web/messaging/contact-book/photos");
    std::map<std::string, nlohmann::json> days;
    for (const auto& row : conn->query(std::string(kSelect) +
                                           "WHERE child_id = ? AND date >= ? AND date <= ? "
                                           "ORDER BY date, side",
                                       {child, from, to})) {
      auto e = entryJson(row);
      nlohmann::json& d = days[row.getText("date")];
      d["date"] = row.getText("date");
      std::string summary;
      for (auto it = e["fields"].begin(); it != e["fields"].end(); ++it) {
        summary += env.web->i18n().t(r.language, "messaging.field." + it.key()) + ": " +
                   (it->is_string() ? it->get<std::string>() : it->dump()) + "  ";
      }
      addPhotos(e, pics);
      d[row.getText("side")] = {{"summary", summary}, {"text", e["text"]}, {"photos", e["photos"]}};
    }
    nlohmann::json list = nlohmann::json::array();
    for (auto& [k, v] : days) list.push_back(v);
    env.ctx->audit().record(*conn, {.municipality_id = p.municipality_id,
                                    .actor_user_id = p.user_id,
                                    .actor_role = p.role,
                                    .action = "messaging.contact_book.year_export",
                                    .target_type = "child",
                                    .target_id = std::to_string(child),
                                    .details = {{"fiscal_year", fy}},
                                    .request_id = r.request_id});
    return env.web->page(r, "messaging/contact_year",
                         {{"child_name", c->getText("family_name") + " " + c->getText("given_name")},
                          {"fiscal_year", fy},
                          {"days", list},
                          {"count", list.size()}},
                         "messaging.contact_book.year_title");
  }});
}

}  // namespace sukusuku::messaging
