// The fees pages: finance officers (overview with the collection-rate chart, runs and files,
// plans, arrears with printable letters and slips) and school staff (their school's plan and who
// has paid).
#pragma once

#include <memory>

#include <sukusuku/plugin.h>

#include "../domain/fees_service.h"

namespace sukusuku::fees {

void addWebPages(PluginContext& ctx, std::shared_ptr<FeesService> svc);

// Who made a change from the web or the API, for the service's audit rows.
AuditEntry actorOf(const Request& r);

}  // namespace sukusuku::fees
