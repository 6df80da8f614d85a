#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <phil/api/tls.hpp>

namespace phil::api {

namespace {

template <class T, void (*Free)(T*)>
struct Freer {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Freer<X509, X509_free>>;

struct File {
  std::FILE* f;
  explicit File(std::FILE* file) : f(file) {}
  ~File() {
    if (f) std::fclose(f);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what);
}

Cert read_certificate(const std::string& path) {
  File in(std::fopen(path.c_str(), "rb"));
  if (!in.f) fail("cannot read the certificate " + path + ": check tls.certificate and its mode");
  Cert c(PEM_read_X509(in.f, nullptr, nullptr, nullptr));
  if (!c) fail(path + " is not a PEM certificate: give a PEM file in tls.certificate");
  return c;
}

void add_names(X509* cert, const std::vector<std::string>& hosts) {
  std::string san;
  for (const auto& h : hosts) {
    in_addr v4{};
    in6_addr v6{};
    const bool ip =
        ::inet_pton(AF_INET, h.c_str(), &v4) == 1 || ::inet_pton(AF_INET6, h.c_str(), &v6) == 1;
    san.append(san.empty() ? "" : ",").append(ip ? "IP:" : "DNS:").append(h);
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
  if (!ext) fail("cannot make the certificate's names from " + san);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void make_pair(const std::string& cert_path, const std::string& key_path,
               const std::vector<std::string>& hosts) {
  Key key(EVP_EC_gen("P-256"));
  if (!key) fail("cannot make an EC key (OpenSSL)");
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  // A random serial: two generated certificates never share one.
  unsigned char serial[16];
  std::FILE* rnd = std::fopen("/dev/urandom", "rb");
  if (!rnd || std::fread(serial, 1, sizeof serial, rnd) != sizeof serial) {
    if (rnd) std::fclose(rnd);
    fail("cannot read /dev/urandom for the certificate's serial");
  }
  std::fclose(rnd);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("prepaid-api"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  add_names(cert.get(), hosts);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("cannot sign the certificate");

  // The key first, private from its first byte.
  const auto old = ::umask(077);
  {
    File out(std::fopen(key_path.c_str(), "wb"));
    if (!out.f ||
        PEM_write_PrivateKey(out.f, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 0) {
      ::umask(old);
      fail("cannot write the key " + key_path + ": check tls.generated_dir is writable");
    }
  }
  ::umask(old);
  File out(std::fopen(cert_path.c_str(), "wb"));
  if (!out.f || PEM_write_X509(out.f, cert.get()) == 0) {
    fail("cannot write the certificate " + cert_path + ": check tls.generated_dir is writable");
  }
}

}  // namespace

std::string certificate_fingerprint(const std::string& path) {
  const auto cert = read_certificate(path);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &n) == 0) fail("cannot digest " + path);
  std::string out;
  for (unsigned int i = 0; i < n; ++i)
    out += fmt::format("{}{:02X}", i == 0 ? "" : ":", md[i]);
  return out;
}

TlsFiles tls_files(const ApiConfig& config, const std::string& dir,
                   const std::vector<std::string>& hosts) {
  TlsFiles t;
  if (config.certificate && config.key) {
    t.certificate = *config.certificate;
    t.key = *config.key;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail("cannot make " + dir + " for the server's certificate: " + ec.message());
    t.certificate = (std::filesystem::path(dir) / "api.crt").string();
    t.key = (std::filesystem::path(dir) / "api.key").string();
    if (!std::filesystem::exists(t.certificate) || !std::filesystem::exists(t.key)) {
      make_pair(t.certificate, t.key, hosts);
      t.generated = true;
    }
  }
  t.fingerprint = certificate_fingerprint(t.certificate);
  return t;
}

}  // namespace phil::api
