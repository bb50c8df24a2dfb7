// The messaging plugin: everything parents and nurseries exchange (連絡) — attendance with the
// daily entrance QR code and the class board, planned attendance (a service for the shifts
// plugin), absence/late/early pick-up notices, the no-show alert and the contact book (連絡帳).
//
// Configuration:
//   messaging.no_show_alert_time = 10:00
//       Tokyo time after which guardians of children expected by their plan, not checked in and
//       without an absence or late notice, get one push per day.
//   messaging.qr_secret =
//       Secret for the daily facility QR codes. Empty: a random secret created on first start
//       and kept in the database (messaging_secrets), so every app node agrees.
//   messaging.attachment_max_bytes = 10485760
//       Largest handout attachment (PDF or image, checked by content).
//   messaging.checkin_batch_max = 64
//       Most guardians' check-ins/outs written in one transaction during a rush (group commit,
//       checkin_batcher.h); 0 writes each in its own transaction on the request's thread.
//
// Services: "messaging.planned_attendance" (sukusuku/services/planned_attendance.h).
// Events published: attendance.checked_in, attendance.checked_out
//   payload {"child_id","facility_id","date","at"}.
#include <sukusuku/plugin.h>

#include "attendance.h"
#include "checkin_batcher.h"
#include "common.h"
#include "outreach.h"
#include "entrance_qr.h"
#include "extended_care.h"

namespace {

using sukusuku::roles::kCityChildcare;
using sukusuku::roles::kFacilityAdmin;
using sukusuku::roles::kFacilityStaff;
using sukusuku::roles::kGuardian;

class MessagingPlugin final : public sukusuku::Plugin {
 public:
  sukusuku::PluginManifest manifest() const override {
    return {"messaging", "0.1.0", {}, "attendance, planned attendance and notices for nurseries"};
  }

  void init(sukusuku::PluginContext& ctx) override {
    env_.ctx = &ctx;
    env_.db = &ctx.database();
    env_.clock = &ctx.clock();
    env_.web = &ctx.web();
    ctx.declareConfig("no_show_alert_time", "10:00",
                      "Tokyo time (HH:MM) after which unexplained non-arrivals alert guardians");
    ctx.declareConfig("qr_secret", "",
                      "Secret of the daily entrance QR codes; empty = generated, kept in the DB");
    ctx.declareConfig("checkin_batch_max", "64",
                      "Most check-ins written in one transaction in a rush; 0 = one by one");
    env_.no_show_alert_time = ctx.config().getString("messaging.no_show_alert_time");
    if (!sukusuku::messaging::validTime(env_.no_show_alert_time)) {
      throw std::runtime_error("messaging.no_show_alert_time must be HH:MM, not '" +
                               env_.no_show_alert_time + "'");
    }

    const std::vector<std::string> staff = {kFacilityStaff, kFacilityAdmin};
    ctx.addPermission("messaging.attendance.self", "check own children in and out by QR code",
                      {kGuardian});
    ctx.addPermission("messaging.attendance.read", "see a child's attendance records",
                      {kGuardian, kFacilityStaff, kFacilityAdmin});
    ctx.addPermission("messaging.attendance.staff", "class board and one-tap check-in/out", staff);
    ctx.addPermission("messaging.attendance.correct", "correct attendance records", staff);
    ctx.addPermission("messaging.qr.show", "show the facility's entrance QR code", staff);
    ctx.addPermission("messaging.staff_clock", "clock in and out", staff);
    ctx.addPermission("messaging.plan.read", "see planned attendance",
                      {kGuardian, kFacilityStaff, kFacilityAdmin});
    ctx.addPermission("messaging.plan.write", "give planned attendance", {kGuardian});
    ctx.addPermission("messaging.notices.send", "send absence/late/early pick-up notices",
                      {kGuardian});
    ctx.addPermission("messaging.notices.read", "read notices and the daily summary",
                      {kFacilityStaff, kFacilityAdmin, kCityChildcare});
    ctx.addPermission("messaging.notices.acknowledge", "acknowledge notices", staff);
    ctx.addPermission("messaging.contact_book.home", "write and read the home side", {kGuardian});
    ctx.addPermission("messaging.contact_book.nursery", "class contact book, nursery side", staff);

    ctx.addPermission("messaging.handouts.read", "read handouts sent to own family",
                      {kGuardian});
    ctx.addPermission("messaging.handouts.manage", "compose, schedule and remind handouts", staff);
    ctx.addPermission("messaging.surveys.answer", "answer surveys sent to own family", {kGuardian});
    ctx.addPermission("messaging.surveys.manage", "create surveys, see the tally, export", staff);

    ctx.addNavItem({"messaging.handouts.nav", "/web/messaging/handouts",
                    "messaging.handouts.manage", 30});
    ctx.addNavItem({"messaging.surveys.nav", "/web/messaging/surveys", "messaging.surveys.manage",
                    35});
    ctx.addNavItem({"messaging.nav.board", "/web/messaging/board", "messaging.attendance.staff", 10});
    ctx.addNavItem({"messaging.nav.notices", "/web/messaging/notices", "messaging.notices.read", 20});
    ctx.addNavItem({"messaging.nav.contact_book", "/web/messaging/contact-book",
                    "messaging.contact_book.nursery", 15});
    ctx.addNavItem({"messaging.nav.qr", "/web/messaging/qr", "messaging.qr.show", 90});

    sukusuku::messaging::addAttendance(env_);
    sukusuku::messaging::addPlanned(env_);
    sukusuku::messaging::addNotices(env_);
    sukusuku::messaging::addNoShowJob(env_);
    sukusuku::messaging::addContactBook(env_);
    sukusuku::messaging::addDemoSeeder(env_);
    sukusuku::messaging::addHandouts(env_);
    sukusuku::messaging::addSurveys(env_);
    sukusuku::messaging::addOutreachDemo(env_);
    sukusuku::messaging::addExtendedCare(env_);
    sukusuku::messaging::addEntranceQrImage(env_);
  }

  void start(sukusuku::PluginContext& ctx) override {
    env_.notifier = ctx.services().find<sukusuku::push::Notifier>("push.notifier");
    if (!env_.notifier) {
      ctx.logger().warning("push.notifier is not available: messaging sends no pushes");
    }
    env_.qr_secret = ctx.config().getString("messaging.qr_secret");
    if (env_.qr_secret.empty()) {
      env_.qr_secret = sukusuku::messaging::loadOrCreateSecret(ctx.database(), ctx.clock());
    }
    int64_t batch = ctx.config().getInt("messaging.checkin_batch_max");
    if (batch < 0 || batch > 1024) {
      throw std::runtime_error("messaging.checkin_batch_max must be 0..1024, not " +
                               std::to_string(batch));
    }
    if (batch > 0) {
      env_.checkins = std::make_shared<sukusuku::messaging::CheckinBatcher>(
          env_, static_cast<size_t>(batch));
    }
  }

  void stop() override {
    if (env_.checkins) env_.checkins->stop();
  }

 private:
  sukusuku::messaging::Env env_;
};

}  // namespace

SUKUSUKU_PLUGIN(MessagingPlugin)
