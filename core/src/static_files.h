// Serving a folder of static assets (CSS, scripts, images) under a route's {*path}.
#pragma once

#include <string>

#include "sukusuku/http.h"

namespace sukusuku {

// A GET handler for files under ROOT: content type by extension, a strong ETag from size and
// modification time (304 on If-None-Match), an hour of public caching. Paths with hidden or
// ".." segments are 404.
Handler makeStaticHandler(const std::string& root);

}  // namespace sukusuku
