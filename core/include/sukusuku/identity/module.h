// The identity core as a built-in module: it installs the authenticator (bearer JWTs anywhere,
// the session cookie plus CSRF under /web), provides the "identity" and
// "identity.password_hasher" services, declares identity.* permissions and registers:
//
//   POST /api/v1/auth/login                    {login, password, device?} -> token pair
//   POST /api/v1/auth/refresh                  {refresh_token} -> token pair (rotated)
//   POST /api/v1/auth/logout                   {refresh_token}          (authenticated)
//   POST /api/v1/auth/logout-all                                        (authenticated)
//   POST /api/v1/auth/register                 {invitation_code, login, password, display_name,
//                                               language?} -> token pair
//   POST /api/v1/auth/password-reset/request   {login} -> 202 (429 after 3 per login / 15 min)
//   POST /api/v1/auth/password-reset/confirm   {login, code, new_password}
//   POST /api/v1/identity/invitations          {household_id, guardian_id?} -> {code, expires_at}
//   GET  /web/login, POST /web/login, POST /web/logout
//
// Configuration (core keys, see `sukusuku config`): auth.jwt.keys_file, auth.jwt.active_kid,
// auth.access_ttl_seconds, auth.refresh_ttl_days, auth.session_ttl_hours,
// auth.login.max_failures, auth.login.max_failures_per_address, auth.login.lockout_minutes,
// auth.invitation_ttl_days, auth.cookie_secure. Without auth.jwt.keys_file an HS256 key is
// generated on first start into <data.dir>/keys/jwt-keys.json (mode 0600) and reused after.
#pragma once

namespace sukusuku {

class Runtime;

void addIdentityModule(Runtime& runtime);

}  // namespace sukusuku
