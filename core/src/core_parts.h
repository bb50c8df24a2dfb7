// The core parts that are added to every Runtime by addBuiltInModules(), each in its own folder.
#pragma once

namespace sukusuku {

class Runtime;

// Push-notification core (core/src/push): the "push.notifier" service, inbox API, outbox workers,
// FCM HTTP v1 client, `sukusuku notify`.
void addPushModule(Runtime& runtime);
// Payments (core/src/payments): the "payments" service, webhook receiver, sandbox provider.
void addPaymentsModule(Runtime& runtime);
// Admin pages for the tenancy model and bulk import (core/src/admin).
void addAdminModule(Runtime& runtime);

}  // namespace sukusuku
