// How one-time codes (password reset) reach a person.
//
// The identity core hands every code to one CodeDelivery. The default writes it to the "identity"
// logger (for development and until the push core exists); the push core replaces it with
// IdentityService::setCodeDelivery() to send the code as a push notification or e-mail. Tests
// install their own to capture codes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace sukusuku::identity {

struct ResetCodeMessage {
  int64_t user_id = 0;
  std::string login;
  std::string language;    // the user's UI language, for the message text
  std::string code;        // 8 digits, single use
  int64_t expires_at = 0;  // epoch seconds
};

class CodeDelivery {
 public:
  virtual ~CodeDelivery() = default;
  // Called after the code is committed; must not throw for a delivery failure (log it instead).
  // Called from HTTP worker threads: must be thread-safe.
  virtual void deliverPasswordResetCode(const ResetCodeMessage& message) = 0;
};

// The default: one line on the "identity" logger, with the code.
std::shared_ptr<CodeDelivery> newLogCodeDelivery();

}  // namespace sukusuku::identity
