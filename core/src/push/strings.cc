#include "strings.h"

#include <string>

namespace sukusuku::push {

namespace {

// Kept as JSON text so that translators edit catalogues, not code.
const char* kJa = R"json({
  "push": {
    "reset_code": {
      "title": "パスワード再設定コード",
      "body": "確認コードは {code} です。{minutes}分以内に入力してください。心当たりがない場合はこの通知を無視してください。",
      "inbox_body": "パスワード再設定の確認コードを、登録済みの端末にプッシュ通知で送りました（{minutes}分間有効）。コードは安全のためここには表示しません。心当たりがない場合は無視してください。"
    }
  }
})json";

const char* kEn = R"json({
  "push": {
    "reset_code": {
      "title": "Password reset code",
      "body": "Your code is {code}. Enter it within {minutes} minutes. If you did not ask for it, ignore this message.",
      "inbox_body": "A password reset code was sent to your registered devices as a push notification (valid for {minutes} minutes). For your safety it is not shown here. If you did not ask for it, ignore this message."
    }
  }
})json";

}  // namespace

nlohmann::json stringCatalogue(const char* language) {
  return nlohmann::json::parse(std::string(language) == "en" ? kEn : kJa);
}

}  // namespace sukusuku::push
