// The staff and city web shell's own pages: the start page under /web, which greets the
// signed-in person and shows, as large tiles for a tablet, the navigation they may use.
#pragma once

namespace sukusuku {

class Runtime;

void addWebShellModule(Runtime& runtime);

}  // namespace sukusuku
