// Web forms that may carry files: an application/x-www-form-urlencoded or multipart/form-data
// body read into one shape (fields, and the file parts that have a filename and at least one
// byte). Files are kept as bytes; check them by their content, never by their name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sukusuku/http.h"

namespace sukusuku::web {

struct FormFile {
  std::string field;
  std::string filename;
  std::string bytes;
};

struct PostedForm {
  std::multimap<std::string, std::string> fields;
  std::vector<FormFile> files;
};

// Reads R's body. Throws Error 400 ERROR_CODE (e.g. "fees.invalid_form") for a multipart body
// that cannot be read (no boundary, no parts, cut short).
PostedForm readPostedForm(const Request& r, const std::string& error_code);

}  // namespace sukusuku::web
