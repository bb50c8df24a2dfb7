// The handouts' rich text and attachment sniffing, without a server.
#include <gtest/gtest.h>

#include "../../../plugins/messaging/src/rich_text.h"
#include "../../../plugins/messaging/src/upload_form.h"

namespace sukusuku::messaging {
namespace {

TEST(RichText, RendersTheSafeSubsetAndEscapesEverythingElse) {
  EXPECT_EQ(richTextHtml("おしらせ\n2行目\n\n**太字** と <b>タグ</b>"),
            "<p>おしらせ<br>2行目</p><p><strong>太字</strong> と &lt;b&gt;タグ&lt;/b&gt;</p>");
  EXPECT_EQ(richTextHtml("- 上履き\n・帽子\n1. 最初"),
            "<ul><li>上履き</li><li>帽子</li></ul><ol><li>最初</li></ol>");
  EXPECT_EQ(richTextHtml("[園](https://example.jp/?a=1&b=2)"),
            "<p><a href=\"https://example.jp/?a=1&amp;b=2\" rel=\"noopener noreferrer nofollow\" "
            "target=\"_blank\">園</a></p>");
  // Only http(s)/mailto links; quotes cannot break out of the attribute.
  EXPECT_EQ(richTextHtml("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>");
  EXPECT_EQ(richTextHtml("<img src=x onerror=alert(1)>"),
            "<p>&lt;img src=x onerror=alert(1)&gt;</p>");
  EXPECT_EQ(richTextHtml("https://example.jp/\"onmouseover=\"x"),
            "<p><a href=\"https://example.jp/\" rel=\"noopener noreferrer nofollow\" "
            "target=\"_blank\">https://example.jp/</a>&quot;onmouseover=&quot;x</p>");
  EXPECT_EQ(richTextHtml("**開いたまま"), "<p>**開いたまま</p>");
  EXPECT_EQ(richTextPlain("**持ち物**\n- 上履き\n[園](https://example.jp)"),
            "持ち物\n・上履き\n園 (https://example.jp)");
}

TEST(Attachments, AreKnownByTheirContent) {
  EXPECT_EQ(sniffAttachmentType("%PDF-1.7\n..."), "application/pdf");
  EXPECT_EQ(sniffAttachmentType(std::string("\xFF\xD8\xFF\xE0", 4)), "image/jpeg");
  EXPECT_EQ(sniffAttachmentType(std::string("\x89PNG\r\n\x1A\n", 8)), "image/png");
  EXPECT_EQ(sniffAttachmentType(std::string("RIFF\x10\0\0\0WEBPVP8 ", 16)), "image/webp");
  EXPECT_EQ(sniffAttachmentType("MZ\x90"), "");
  EXPECT_EQ(sniffAttachmentType("<html>%PDF-"), "");
  EXPECT_EQ(cleanFileName("C:\\Users\\先生\\12月\"だより\".pdf"), "12月だより.pdf");
  EXPECT_EQ(cleanFileName("../../etc/passwd"), "passwd");
  EXPECT_EQ(cleanFileName("..."), "attachment");
}

}  // namespace
}  // namespace sukusuku::messaging
