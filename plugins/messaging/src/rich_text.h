// The rich text of handouts (お便り): a small markup that teachers type, rendered to a fixed, safe
// HTML subset. What is stored is always the markup; HTML typed into it is shown as text, never
// interpreted, so no input can put a tag, attribute or script on a parent's screen.
//
//   a blank line          a new paragraph; a single line break stays a <br>
//   **words**             bold
//   - item / ・item        a bulleted list (consecutive lines)
//   1. item               a numbered list
//   [label](https://...)  a link (http, https and mailto only; others stay text)
//   https://...           a bare link
#pragma once

#include <string>

namespace sukusuku::messaging {

// The safe HTML of MARKUP: only <p>, <br>, <strong>, <ul>, <ol>, <li> and <a href rel target>,
// every text run escaped.
std::string richTextHtml(const std::string& markup);
// Plain text of MARKUP for pushes and exports: markers removed, links as "label (url)".
std::string richTextPlain(const std::string& markup);

}  // namespace sukusuku::messaging
