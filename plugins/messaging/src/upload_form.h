// Staff forms that may carry files (handouts): url-encoded or multipart/form-data bodies read into
// one shape, and attachments checked by their content, never by their name.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <sukusuku/http.h>
#include <sukusuku/multipart.h>

namespace sukusuku::messaging {

using web::FormFile;
using web::PostedForm;

// Reads an application/x-www-form-urlencoded or multipart/form-data body. Throws Error 400
// "messaging.invalid_form" for a multipart body that cannot be read.
PostedForm readPostedForm(const Request& r);

// The media type of BYTES by their first bytes: "application/pdf", "image/jpeg", "image/png",
// "image/gif", "image/webp", or "" for anything else.
std::string sniffAttachmentType(const std::string& bytes);

// A file name safe to show and to send in Content-Disposition: no path, no control characters,
// at most 120 bytes of whole UTF-8 characters; "attachment" when nothing is left.
std::string cleanFileName(const std::string& name);

}  // namespace sukusuku::messaging
