#include "sukusuku/identity/code_delivery.h"

#include <Poco/Logger.h>

namespace sukusuku::identity {

namespace {

class LogCodeDelivery final : public CodeDelivery {
 public:
  void deliverPasswordResetCode(const ResetCodeMessage& m) override {
    // Development delivery until the push core takes over: the code is in the log on purpose.
    Poco::Logger::get("identity")
        .information("password reset code for user %Ld (%s): %s (valid until %Ld)",
                     static_cast<long long>(m.user_id), m.login, m.code,
                     static_cast<long long>(m.expires_at));
  }
};

}  // namespace

std::shared_ptr<CodeDelivery> newLogCodeDelivery() { return std::make_shared<LogCodeDelivery>(); }

}  // namespace sukusuku::identity
