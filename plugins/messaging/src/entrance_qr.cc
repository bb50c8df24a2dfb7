// The entrance QR code as an image (SVG) for the tablet at the door: today's code of the
// facility (attendance.h qrToken), drawn from libqrencode's module matrix, error correction M,
// with the four-module quiet zone the standard asks for. Served at /web/messaging/qr.svg and
// shown on /web/messaging/qr.
#include <qrencode.h>

#include <memory>
#include <stdexcept>

#include "attendance.h"
#include "entrance_qr.h"

namespace sukusuku::messaging {

std::string qrSvg(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> code(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), QRcode_free);
  if (!code)
    throw std::runtime_error("QR encoding failed for a text of " + std::to_string(text.size()) +
                             " bytes");
  const int width = code->width, quiet = 4, size = width + 2 * quiet;
  std::string path;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      if (code->data[y * width + x] & 1) {
        path += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
      }
    }
  }
  const std::string s = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + s + " " + s +
         "\" shape-rendering=\"crispEdges\" data-modules=\"" + std::to_string(width) +
         "\"><rect width=\"" + s + "\" height=\"" + s +
         "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
}

void addEntranceQrImage(Env& env) {
  env.ctx->addRoute({"GET", "/web/messaging/qr.svg", "messaging.qr.show", [&env](Request& r) {
                       auto conn = env.db->acquire();
                       int64_t facility = staffFacility(*conn, r);
                       std::string today = tokyoDate(env.clock->now());
                       Response res = Response::text(qrSvg(qrToken(env.qr_secret, facility, today)),
                                                     "image/svg+xml");
                       res.headers["Cache-Control"] = "no-store";  // the code changes daily
                       return res;
                     }});
}

}  // namespace sukusuku::messaging
