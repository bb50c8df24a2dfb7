// Password-reset codes as an urgent notification to the person's own inbox and devices.
#pragma once

#include <memory>

#include "sukusuku/db/database.h"
#include "sukusuku/clock.h"
#include "sukusuku/identity/code_delivery.h"
#include "sukusuku/push/notifier.h"
#include "sukusuku/web.h"

namespace sukusuku::push {

// Writes the code through NOTIFIER ("identity.password_reset", urgent: the person is waiting).
// When PUSH_ENABLED is false (no FCM credentials) it also writes the development log line of
// the identity core, since no phone will get the code. Users without a municipality (system
// operators) get the log line only.
std::shared_ptr<identity::CodeDelivery> newPushCodeDelivery(db::Database& db,
                                                            std::shared_ptr<Notifier> notifier,
                                                            const I18n& i18n, const Clock& clock,
                                                            bool push_enabled);

}  // namespace sukusuku::push
