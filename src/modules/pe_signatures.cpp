// pe: Authenticode certificates (signatures[], number_of_signatures) as yara 4.2.3 reports
// them: every signer certificate of each PKCS#7 blob in the security directory, plus those of
// nested signatures (SPC_NESTED_SIGNATURE attribute of the first signer), at most 16 in all.
// The same OpenSSL calls as the reference (libcrypto, opened on first use) give the same text for names, OIDs and digests;
// nothing is verified (4.2.3 has no signatures[i].verified).
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <string>

#include "modules/pe_internal.h"
#include "util/lazy_library.h"

// libcrypto is opened on first use (util/lazy_library.h).
#define CRYPTO(fn) YARROW_LAZY_SYMBOL(::yarrow::util::libcrypto(), fn)

namespace yarrow::modules::pe_detail {
namespace {

constexpr int kMaxCertificates = 16;
constexpr uint16_t kRevision1 = 0x0100, kRevision2 = 0x0200;
constexpr uint16_t kTypePkcsSignedData = 2;
constexpr uint64_t kWinCertificateHeader = 8;
constexpr const char* kNestedSignatureOid = "1.3.6.1.4.1.311.2.4.1";

int nested_signature_nid() {
  // yara registers the OID once at module initialisation; do the same, once per process.
  static const int nid = [] {
    int n = CRYPTO(OBJ_txt2nid)(kNestedSignatureOid);
    if (n == NID_undef) n = CRYPTO(OBJ_create)(kNestedSignatureOid, nullptr, nullptr);
    return n;
  }();
  return nid;
}

// yara reads the certificate time's digits itself (no validation, no time zone, plain
// `char` so bytes >= 0x80 count negative) and uses timegm.
int64_t certificate_time(const ASN1_TIME* time) {
  const unsigned char* s = time->data;
  const int length = time->length;
  int i = 0;
  auto digit = [&]() -> int {
    int c = i < length ? static_cast<signed char>(s[i]) : 0;
    ++i;
    return c - '0';
  };
  struct tm t = {};
  if (time->type == V_ASN1_UTCTIME) {
    t.tm_year = digit() * 10;
    t.tm_year += digit();
    if (t.tm_year < 70) t.tm_year += 100;
  } else if (time->type == V_ASN1_GENERALIZEDTIME) {
    t.tm_year = digit() * 1000;
    t.tm_year += digit() * 100;
    t.tm_year += digit() * 10;
    t.tm_year += digit();
    t.tm_year -= 1900;
  }
  t.tm_mon = digit() * 10;
  t.tm_mon += digit() - 1;
  t.tm_mday = digit() * 10;
  t.tm_mday += digit();
  t.tm_hour = digit() * 10;
  t.tm_hour += digit();
  t.tm_min = digit() * 10;
  t.tm_min += digit();
  t.tm_sec = digit() * 10;
  t.tm_sec += digit();
  return static_cast<int64_t>(timegm(&t));
}

// "aa:bb:..." of the serial's DER content bytes (yara skips the 2-byte DER header and gives
// up on serials longer than 20 bytes).
std::optional<std::string> serial_text(const ASN1_INTEGER* serial) {
  int bytes = CRYPTO(i2d_ASN1_INTEGER)(serial, nullptr);
  if (bytes <= 2 || bytes > 22) return std::nullopt;
  unsigned char der[22];
  unsigned char* p = der;
  bytes = CRYPTO(i2d_ASN1_INTEGER)(serial, &p);
  if (bytes <= 2 || bytes > 22) return std::nullopt;
  std::string out;
  char buf[4];
  for (int j = 2; j < bytes; ++j) {
    std::snprintf(buf, sizeof buf, j + 1 < bytes ? "%02x:" : "%02x", der[j]);
    out += buf;
  }
  return out;
}

class CertificateWalker {
 public:
  CertificateWalker(ValueTreeBuilder& b) : b_(b), list_(b.member(ValueTreeBuilder::kRoot, "signatures")) {}

  int count() const { return counter_; }
  bool full() const { return counter_ >= kMaxCertificates; }

  void parse_pkcs7(PKCS7* pkcs7) {
    if (full()) return;
    STACK_OF(X509)* certs = CRYPTO(PKCS7_get0_signers)(pkcs7, nullptr, 0);
    if (!certs) return;
    const int signers = CRYPTO(OPENSSL_sk_num)(ossl_check_const_X509_sk_type(certs));
    for (int i = 0; i < signers && !full(); ++i)
      add_certificate(static_cast<X509*>(
          CRYPTO(OPENSSL_sk_value)(ossl_check_const_X509_sk_type(certs), i)));
    parse_nested(pkcs7);
    CRYPTO(OPENSSL_sk_free)(ossl_check_X509_sk_type(certs));
  }

 private:
  void add_certificate(X509* cert) {
    uint32_t e = b_.element(list_, static_cast<size_t>(counter_));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    CRYPTO(X509_digest)(cert, CRYPTO(EVP_sha1)(), digest, &digest_len);
    std::string thumbprint;
    char hex[3];
    for (unsigned j = 0; j < digest_len; ++j) {
      std::snprintf(hex, sizeof hex, "%02x", digest[j]);
      thumbprint += hex;
    }
    b_.set_string(e, "thumbprint", thumbprint);
    char buffer[256];
    CRYPTO(X509_NAME_oneline)(CRYPTO(X509_get_issuer_name)(cert), buffer, sizeof buffer);
    b_.set_string(e, "issuer", buffer);
    CRYPTO(X509_NAME_oneline)(CRYPTO(X509_get_subject_name)(cert), buffer, sizeof buffer);
    b_.set_string(e, "subject", buffer);
    b_.set_integer(e, "version", CRYPTO(X509_get_version)(cert) + 1);
    int nid = CRYPTO(X509_get_signature_nid)(cert);
    if (const char* name = CRYPTO(OBJ_nid2ln)(nid)) b_.set_string(e, "algorithm", name);
    buffer[0] = '\0';
    CRYPTO(OBJ_obj2txt)(buffer, sizeof buffer, CRYPTO(OBJ_nid2obj)(nid), 1);
    b_.set_string(e, "algorithm_oid", buffer);
    if (const ASN1_INTEGER* serial = CRYPTO(X509_get_serialNumber)(cert))
      if (auto text = serial_text(serial)) b_.set_string(e, "serial", *text);
    b_.set_integer(e, "not_before", certificate_time(CRYPTO(X509_get0_notBefore)(cert)));
    b_.set_integer(e, "not_after", certificate_time(CRYPTO(X509_get0_notAfter)(cert)));
    ++counter_;
  }

  void parse_nested(PKCS7* pkcs7) {
    STACK_OF(PKCS7_SIGNER_INFO)* infos = CRYPTO(PKCS7_get_signer_info)(pkcs7);
    PKCS7_SIGNER_INFO* signer = infos ? static_cast<PKCS7_SIGNER_INFO*>(CRYPTO(OPENSSL_sk_value)(
                                           ossl_check_const_PKCS7_SIGNER_INFO_sk_type(infos), 0))
                                     : nullptr;
    if (!signer) return;
    STACK_OF(X509_ATTRIBUTE)* attrs = PKCS7_get_attributes(signer);
    int nid = nested_signature_nid();
    if (nid == NID_undef) return;
    X509_ATTRIBUTE* xa = CRYPTO(X509at_get_attr)(attrs, CRYPTO(X509at_get_attr_by_NID)(attrs, nid, -1));
    if (!xa) return;
    for (int j = 0; j < kMaxCertificates; ++j) {
      ASN1_TYPE* nested = CRYPTO(X509_ATTRIBUTE_get0_type)(xa, j);
      if (!nested) break;
      // yara reads the value as a string-like ASN.1 item; other types carry no DER to parse.
      if (nested->type == V_ASN1_BOOLEAN || nested->type == V_ASN1_OBJECT ||
          nested->type == V_ASN1_NULL || !nested->value.sequence)
        continue;
      const ASN1_STRING* value = nested->value.sequence;
      const unsigned char* p = value->data;
      PKCS7* inner = CRYPTO(d2i_PKCS7)(nullptr, &p, value->length);
      if (inner) {
        parse_pkcs7(inner);
        CRYPTO(PKCS7_free)(inner);
      }
    }
  }

  ValueTreeBuilder& b_;
  uint32_t list_;
  int counter_ = 0;
};

}  // namespace

void parse_certificates(ValueTreeBuilder& b, const PeImage& pe) {
  const ByteView& v = pe.v;
  auto dir = pe.directory_entry(4);
  if (!dir) return;
  const uint32_t root = ValueTreeBuilder::kRoot;
  b.set_integer(root, "number_of_signatures", 0);
  // The security directory's address is a file offset, not an RVA.
  const uint32_t va = v.u32(*dir), size = v.u32(*dir + 4);
  if (va == 0 || va > v.size() || size > v.size() || static_cast<uint32_t>(va + size) > v.size())
    return;
  const uint64_t eod = uint64_t{va} + size;
  CertificateWalker walker(b);
  uint64_t cert = va;
  while (v.contains(cert, kWinCertificateHeader)) {
    const uint32_t length = v.u32(cert);
    if (length <= kWinCertificateHeader || !v.contains(cert, length) ||
        cert + kWinCertificateHeader >= eod || cert + length > eod)
      break;
    const uint16_t revision = v.u16(cert + 4), type = v.u16(cert + 6);
    if (revision != kRevision1 && revision != kRevision2) break;
    const uint64_t end = cert + length;
    if (revision == kRevision2 && type == kTypePkcsSignedData) {
      const unsigned char* p = v.data() + cert + kWinCertificateHeader;
      const unsigned char* stop = v.data() + end;
      while (p < stop && !walker.full()) {
        PKCS7* pkcs7 = CRYPTO(d2i_PKCS7)(nullptr, &p, static_cast<uint32_t>(stop - p));
        if (!pkcs7) break;
        walker.parse_pkcs7(pkcs7);
        CRYPTO(PKCS7_free)(pkcs7);
      }
    }
    cert = (end + 7) & ~uint64_t{7};  // the next entry starts 8-byte aligned
  }
  b.set_integer(root, "number_of_signatures", walker.count());
}

}  // namespace yarrow::modules::pe_detail
