// The entrance QR code as an SVG image (libqrencode), for the tablet at the door.
#pragma once

#include <string>

#include "common.h"

namespace sukusuku::messaging {

// An SVG of TEXT as a QR code (byte mode, error correction M, quiet zone of 4 modules); the root
// element carries data-modules="<modules per side>". Throws std::runtime_error when TEXT does
// not fit.
std::string qrSvg(const std::string& text);
// GET /web/messaging/qr.svg?facility_id= : today's entrance code of the facility.
void addEntranceQrImage(Env& env);

}  // namespace sukusuku::messaging
