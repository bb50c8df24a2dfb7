// Demo data for すくすく市: fee settings, a 10-debit schedule, caps, a plan per school and grade,
// and direct-debit mandates for nine households in ten, so `sukusuku fees …` runs on a fresh
// `seed-demo`. Does nothing when already seeded or when the demo city does not exist.
#pragma once

#include "fees_service.h"

namespace sukusuku::fees {

void seedFeesDemo(FeesService& service, db::Database& db, const Clock& clock);

}  // namespace sukusuku::fees
