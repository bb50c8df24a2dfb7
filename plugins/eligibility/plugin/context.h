// What the eligibility plugin's parts share: the loaded programmes and the platform services.
//
// One EligibilityContext lives as long as the plugin. Everything in it is either immutable after
// init() (the rule set) or thread-safe (the database, the clock, the audit log, the event bus),
// so route handlers, event subscribers and the daily job may use it concurrently.
#pragma once

#include <memory>
#include <string>

#include <Poco/Logger.h>

#include <sukusuku/audit.h>
#include <sukusuku/clock.h>
#include <sukusuku/db/database.h>
#include <sukusuku/events.h>
#include <sukusuku/push/notifier.h>
#include <sukusuku/web.h>

#include "sukusuku/eligibility/engine.h"

namespace sukusuku::eligibility_plugin {

struct EligibilityContext {
  eligibility::RuleSet rules;
  db::Database* db = nullptr;
  const Clock* clock = nullptr;
  AuditLog* audit = nullptr;
  EventBus* events = nullptr;
  Web* web = nullptr;
  Poco::Logger* log = nullptr;
  // The push core; null when it is not part of this build. Then notices are recorded, not sent.
  std::shared_ptr<push::Notifier> notifier;

  std::string today() const { return tokyoDate(clock->now()); }
  std::string now() const { return formatUtc(clock->now()); }
  // The index of programme ID in rules.programmes(), or -1.
  int programmeIndex(const std::string& id) const {
    const auto& ps = rules.programmes();
    for (size_t i = 0; i < ps.size(); ++i) {
      if (ps[i].id == id) return static_cast<int>(i);
    }
    return -1;
  }
  std::string t(const std::string& language, const std::string& key) const {
    return web->i18n().t(language, key);
  }
};

// "ja" text unless LANGUAGE is "en".
inline const std::string& pick(const eligibility::LocalizedText& text,
                               const std::string& language) {
  return language == "en" ? text.en : text.ja;
}

}  // namespace sukusuku::eligibility_plugin
