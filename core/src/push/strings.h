// The push core's user-facing strings (ja, en), registered as the "push" owner's catalogue.
#pragma once

#include <nlohmann/json.hpp>

namespace sukusuku::push {

// Keys under "push.": reset_code.title, reset_code.body ({code}, {minutes}).
nlohmann::json stringCatalogue(const char* language);

}  // namespace sukusuku::push
