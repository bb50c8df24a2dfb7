// The authenticator the identity core installs. Private to core/src/identity.
//
//   Authorization: Bearer <jwt>    on any path: the key ring verifies it, then the user must be
//                                  active and the token's `tv` must equal the user's current
//                                  token version (else 401 auth.token_revoked).
//   Cookie sukusuku_session        under /web only (never for /api: no ambient credentials
//                                  there). A stale or unknown cookie counts as no credentials,
//                                  so the sign-in page stays reachable. Unsafe methods (POST,
//                                  PUT, PATCH, DELETE) must carry the session's CSRF token as
//                                  form field csrf_token (urlencoded or multipart) or header
//                                  X-CSRF-Token, else 403
//                                  auth.csrf_failed. POST /web/login has no session yet and
//                                  checks its own double-submit token.
#pragma once

#include <memory>

#include "sukusuku/http.h"
#include "sukusuku/identity/identity_service.h"

namespace sukusuku::identity {

class IdentityAuthenticator final : public Authenticator {
 public:
  explicit IdentityAuthenticator(std::shared_ptr<IdentityService> service)
      : service_(std::move(service)) {}
  std::shared_ptr<const Principal> authenticate(const Request& request) override;

 private:
  std::shared_ptr<IdentityService> service_;
};

// The CSRF token a form in this request must echo ("" without a session).
std::string csrfTokenFor(IdentityService& service, const Request& request);

}  // namespace sukusuku::identity
