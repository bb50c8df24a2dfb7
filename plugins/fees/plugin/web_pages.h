// The fees pages: finance officers (overview with the collection-rate chart, runs and files,
// plans, arrears with printable letters and slips) and school staff (their school's plan and who
// has paid).
#pragma once

#include <memory>

#include <sukusuku/plugin.h>

#include "../domain/fees_service.h"

namespace sukusuku::fees {

void addWebPages(PluginContext& ctx, std::shared_ptr<FeesService> svc);

}  // namespace sukusuku::fees
