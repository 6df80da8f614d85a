#pragma once
// The server's certificate and key: the configured pair, or a self-signed one made on first start
// (and kept, so its fingerprint stays the one clients were told).
#include <string>
#include <vector>

#include <phil/api/config.hpp>

namespace phil::api {

struct TlsFiles {
  std::string certificate;  ///< PEM
  std::string key;          ///< PEM, mode 0600 when made here
  bool generated = false;   ///< made now (first start)
  std::string fingerprint;  ///< SHA-256 of the certificate (DER), "AB:CD:..."
};

/// The configured pair (both must be readable), else `dir`/api.crt and api.key, made if absent:
/// an ECDSA P-256 key and a certificate for `hosts` (IP addresses or DNS names; the subject
/// alternative names) valid 825 days. Throws std::runtime_error naming the file and what to do
/// when a file cannot be read, written or parsed.
TlsFiles tls_files(const ApiConfig& config, const std::string& dir,
                   const std::vector<std::string>& hosts);

/// The SHA-256 fingerprint of the PEM certificate in `path`. Throws std::runtime_error.
std::string certificate_fingerprint(const std::string& path);

}  // namespace phil::api
