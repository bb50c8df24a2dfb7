// Routes of the push core's inbox and preferences (see module.cc for the list).
#pragma once

#include "sukusuku/api.h"
#include "sukusuku/plugin.h"

namespace sukusuku::push {

// GET  /api/v1/inbox                  ?limit&cursor&unread=true -> {items, next_cursor, unread}
// GET  /api/v1/inbox/unread-count     -> {unread}
// GET  /api/v1/inbox/{inbox_id}       one item of mine
// POST /api/v1/inbox/{inbox_id}/read  marks it read (the first read time stays) -> the item
// POST /api/v1/inbox/read-all         -> {marked, unread: 0}
// GET  /api/v1/push/preferences       -> {muted_categories, quiet_hours, known_categories}
// PUT  /api/v1/push/preferences       {muted_categories:[…], quiet_hours:{start,end}|null}
void addInboxRoutes(PluginContext& ctx);

// The OpenAPI fragment of these routes.
nlohmann::json openApiFragment();

// The home-screen card "push.unread_inbox" {unread, latest} when something is unread.
void addInboxCard(api::HomeFeed& feed);

}  // namespace sukusuku::push
