#include "test_keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace sukusuku::testing {

namespace {

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

RsaPem makeRsaKey() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  if (!key) throw std::runtime_error("RSA key generation failed");
  RsaPem out;
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.private_pem = bioText(priv);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, key);
  out.public_pem = bioText(pub);
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return out;
}

std::string b64url(const std::string& bytes) {
  if (sodium_init() < 0) throw std::runtime_error("sodium");
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.find('\0'));
  return out;
}

std::string b64urlDecode(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    throw std::runtime_error("not base64url: " + text);
  }
  out.resize(len);
  return out;
}

std::string hs256Token(const nlohmann::json& header, const nlohmann::json& payload,
                       const std::string& secret) {
  std::string input = b64url(header.dump()) + "." + b64url(payload.dump());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                input.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return input + "." + b64url(std::string(reinterpret_cast<char*>(mac), sizeof mac));
}

std::string unsignedToken(const nlohmann::json& header, const nlohmann::json& payload) {
  return b64url(header.dump()) + "." + b64url(payload.dump()) + ".";
}

std::string writeKeysFile(const std::string& dir, const std::string& secret, const RsaPem& rsa) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  std::ofstream(fs::path(dir) / "rs-test.pem") << rsa.private_pem;
  std::ofstream(fs::path(dir) / "rs-test.pub.pem") << rsa.public_pem;
  nlohmann::json keys =
      nlohmann::json::array({{{"kid", "hs-test"}, {"alg", "HS256"}, {"secret", b64url(secret)}},
                             {{"kid", "rs-test"},
                              {"alg", "RS256"},
                              {"private_key_file", "rs-test.pem"},
                              {"public_key_file", "rs-test.pub.pem"}}});
  std::string path = (fs::path(dir) / "jwt-keys.json").string();
  std::ofstream(path) << keys.dump(2);
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  return path;
}

}  // namespace sukusuku::testing
