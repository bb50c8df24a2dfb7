#include "strings.h"

#include <string>

namespace sukusuku::push {

namespace {

// Kept as JSON text so that translators edit catalogues, not code.
const char* kJa = R"json({
  "push": {
    "reset_code": {
      "title": "パスワード再設定コード",
      "body": "確認コードは {code} です。{minutes}分以内に入力してください。心当たりがない場合はこの通知を無視してください。"
    }
  }
})json";

const char* kEn = R"json({
  "push": {
    "reset_code": {
      "title": "Password reset code",
      "body": "Your code is {code}. Enter it within {minutes} minutes. If you did not ask for it, ignore this message."
    }
  }
})json";

}  // namespace

nlohmann::json stringCatalogue(const char* language) {
  return nlohmann::json::parse(std::string(language) == "en" ? kEn : kJa);
}

}  // namespace sukusuku::push
