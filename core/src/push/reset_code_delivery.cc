#include "reset_code_delivery.h"

#include <Poco/Logger.h>

namespace sukusuku::push {

namespace {

class PushCodeDelivery final : public identity::CodeDelivery {
 public:
  PushCodeDelivery(db::Database& db, std::shared_ptr<Notifier> notifier, const I18n& i18n,
                   const Clock& clock, bool push_enabled)
      : db_(db),
        notifier_(std::move(notifier)),
        i18n_(i18n),
        clock_(clock),
        push_enabled_(push_enabled),
        log_(identity::newLogCodeDelivery()) {}

  void deliverPasswordResetCode(const identity::ResetCodeMessage& m) override {
    try {
      auto conn = db_.acquire();
      auto user = conn->queryOne("SELECT municipality_id FROM users WHERE id = ?", {m.user_id});
      int64_t municipality = user ? user->getInt("municipality_id") : 0;
      if (municipality <= 0) {
        log_->deliverPasswordResetCode(m);
        return;
      }
      int64_t minutes = std::max<int64_t>(1, (m.expires_at - clock_.nowSeconds() + 59) / 60);
      Notification n;
      n.municipality_id = municipality;
      n.category = "identity.password_reset";
      n.priority = Priority::kUrgent;
      for (const char* lang : {"ja", "en"}) {
        n.title[lang] = i18n_.t(lang, "push.reset_code.title");
        // The code goes to the phone only; the inbox keeps that one was sent.
        n.push_body[lang] = i18n_.t(lang, "push.reset_code.body",
                                    {{"code", m.code}, {"minutes", std::to_string(minutes)}});
        n.body[lang] = i18n_.t(lang, "push.reset_code.inbox_body",
                               {{"minutes", std::to_string(minutes)}});
      }
      n.data = {{"route", "password_reset"}};
      Audience audience;
      audience.user_ids = {m.user_id};
      db_.transaction([&](db::Tx& tx) { notifier_->notify(tx, n, audience); });
    } catch (const std::exception& e) {
      Poco::Logger::get("push").error("password reset code for user %Ld not queued: %s",
                                      static_cast<long long>(m.user_id), std::string(e.what()));
      if (push_enabled_) return;
    }
    if (!push_enabled_) log_->deliverPasswordResetCode(m);
  }

 private:
  db::Database& db_;
  std::shared_ptr<Notifier> notifier_;
  const I18n& i18n_;
  const Clock& clock_;
  bool push_enabled_;
  std::shared_ptr<identity::CodeDelivery> log_;
};

}  // namespace

std::shared_ptr<identity::CodeDelivery> newPushCodeDelivery(db::Database& db,
                                                            std::shared_ptr<Notifier> notifier,
                                                            const I18n& i18n, const Clock& clock,
                                                            bool push_enabled) {
  return std::make_shared<PushCodeDelivery>(db, std::move(notifier), i18n, clock, push_enabled);
}

}  // namespace sukusuku::push
