// Name-based UUIDs (RFC 4122 version 5) and ATT&CK lookup shared by the exporters.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "export/export.h"

namespace yarrow::exporter {
namespace {

std::array<uint8_t, 20> sha1(const std::string& message) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  std::string m = message;
  uint64_t bit_len = static_cast<uint64_t>(message.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  for (int i = 7; i >= 0; --i) m.push_back(static_cast<char>((bit_len >> (8 * i)) & 0xff));
  auto rol = [](uint32_t x, int n) { return (x << n) | (x >> (32 - n)); };
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; ++i)
      w[i] = (uint32_t(uint8_t(m[off + 4 * i])) << 24) | (uint32_t(uint8_t(m[off + 4 * i + 1])) << 16) |
             (uint32_t(uint8_t(m[off + 4 * i + 2])) << 8) | uint32_t(uint8_t(m[off + 4 * i + 3]));
    for (int i = 16; i < 80; ++i) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; ++i) {
      uint32_t f, k;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
      else { f = b ^ c ^ d; k = 0xCA62C1D6; }
      uint32_t t = rol(a, 5) + f + e + k + w[i];
      e = d; d = c; c = rol(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
  }
  std::array<uint8_t, 20> out{};
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h[i] >> (24 - 8 * j));
  return out;
}

// yarrow's export namespace (a fixed random UUID): never change it, ids must stay stable.
constexpr uint8_t kNamespace[16] = {0x5c, 0x1e, 0x7a, 0x52, 0x3b, 0x0d, 0x4f, 0x6e,
                                    0x9a, 0x41, 0x2d, 0x77, 0xe0, 0x8b, 0x13, 0xc6};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s + ",") {
    if (c == ',' || c == ';' || c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string stable_uuid(const std::string& name) {
  std::string data(reinterpret_cast<const char*>(kNamespace), 16);
  data += name;
  auto d = sha1(data);
  d[6] = static_cast<uint8_t>((d[6] & 0x0f) | 0x50);
  d[8] = static_cast<uint8_t>((d[8] & 0x3f) | 0x80);
  char buf[37];
  std::snprintf(buf, sizeof buf,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0],
                d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13],
                d[14], d[15]);
  return buf;
}

Attack attack_for(const RuleModel& rule) {
  Attack a;
  for (const auto& [k, v] : rule.meta) {
    std::string key = lower(k);
    if (key == "mitre_attack" || key == "technique" || key == "techniques" ||
        key == "mitre_technique") {
      for (std::string t : split_list(v)) {
        for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (t.size() >= 5 && t[0] == 'T' && std::find(a.techniques.begin(), a.techniques.end(), t) == a.techniques.end())
          a.techniques.push_back(t);
      }
    } else if (key == "tactic" || key == "tactics" || key == "mitre_tactic") {
      for (const std::string& t : split_list(v)) a.tactics.push_back(t);
    }
  }
  if (a.tactics.empty() && a.techniques.empty()) {
    std::string text = lower(rule.name + " " + rule.meta_value("description"));
    for (const char* word : {"miner", "monero", "xmrig", "cryptocurrency", "coinminer"}) {
      if (text.find(word) != std::string::npos) {
        a.tactics = {"Impact"};
        a.techniques = {"T1496"};  // Resource Hijacking
        break;
      }
    }
  }
  return a;
}

}  // namespace yarrow::exporter
