// Table and column choices for the KQL exporter; the reasoning is in docs/export.md.
#include "export/kql_tables.h"

#include <cstdio>

namespace yarrow::exporter {
namespace {

// Output columns of every table's branch of the union: entity mappings refer to these.
std::vector<std::pair<std::string, std::string>> projection(
    std::string device, std::string domain, std::string account, std::string file,
    std::string folder, std::string cmd, std::string sha256, std::string url, std::string ip) {
  return {{"DeviceName", std::move(device)},     {"AccountDomain", std::move(domain)},
          {"AccountName", std::move(account)},   {"FileName", std::move(file)},
          {"FolderPath", std::move(folder)},     {"ProcessCommandLine", std::move(cmd)},
          {"SHA256", std::move(sha256)},         {"RemoteUrl", std::move(url)},
          {"RemoteIP", std::move(ip)}};
}

std::vector<KqlTable> build() {
  std::vector<KqlTable> t;
  {
    KqlTable p;
    p.name = "DeviceProcessEvents";
    p.policy_source = "process";
    p.search_columns = {"ProcessCommandLine", "FolderPath", "FileName",
                        "InitiatingProcessCommandLine", "InitiatingProcessFolderPath"};
    p.projection = projection("DeviceName", "AccountDomain", "AccountName", "FileName",
                              "FolderPath", "ProcessCommandLine", "SHA256", "\"\"", "\"\"");
    p.facts = {{"process.path", "FolderPath"},
               {"process.name", "FileName"},
               {"process.command_line", "ProcessCommandLine"},
               {"process.account", "AccountName"},
               {"process.domain", "AccountDomain"},
               {"process.integrity", "ProcessIntegrityLevel"},
               {"process.sha1", "SHA1"},
               {"parent.name", "InitiatingProcessFileName"},
               {"parent.path", "InitiatingProcessFolderPath"},
               {"host", "DeviceName"}};
    t.push_back(std::move(p));
  }
  {
    KqlTable f;
    f.name = "DeviceFileEvents";
    f.policy_source = "file";
    f.search_columns = {"FolderPath", "FileName", "PreviousFolderPath", "FileOriginUrl",
                        "FileOriginReferrerUrl", "InitiatingProcessCommandLine",
                        "InitiatingProcessFolderPath"};
    f.projection = projection("DeviceName", "InitiatingProcessAccountDomain",
                              "InitiatingProcessAccountName", "FileName", "FolderPath",
                              "InitiatingProcessCommandLine", "SHA256", "FileOriginUrl",
                              "FileOriginIP");
    f.facts = {{"file.path", "FolderPath"},
               {"file.sha1", "SHA1"},
               {"download.url", "FileOriginUrl"},
               {"download.referrer", "FileOriginReferrerUrl"},
               {"host", "DeviceName"}};
    t.push_back(std::move(f));
  }
  {
    KqlTable n;
    n.name = "DeviceNetworkEvents";
    n.policy_source = "process";  // the connecting process is the finding's process
    n.search_columns = {"RemoteUrl", "InitiatingProcessCommandLine",
                        "InitiatingProcessFolderPath", "InitiatingProcessFileName"};
    n.projection = projection("DeviceName", "InitiatingProcessAccountDomain",
                              "InitiatingProcessAccountName", "InitiatingProcessFileName",
                              "InitiatingProcessFolderPath", "InitiatingProcessCommandLine",
                              "InitiatingProcessSHA256", "RemoteUrl", "RemoteIP");
    n.facts = {{"process.path", "InitiatingProcessFolderPath"},
               {"process.name", "InitiatingProcessFileName"},
               {"process.command_line", "InitiatingProcessCommandLine"},
               {"process.account", "InitiatingProcessAccountName"},
               {"process.domain", "InitiatingProcessAccountDomain"},
               {"process.integrity", "InitiatingProcessIntegrityLevel"},
               {"process.sha1", "InitiatingProcessSHA1"},
               {"parent.name", "InitiatingProcessParentFileName"},
               {"network.remote_port", "RemotePort"},
               {"network.transport", "Protocol"},
               {"host", "DeviceName"}};
    t.push_back(std::move(n));
  }
  {
    KqlTable e;
    e.name = "DeviceEvents";
    e.policy_source = "event";
    e.search_columns = {"FolderPath", "FileName", "ProcessCommandLine", "RemoteUrl",
                        "RegistryValueData", "InitiatingProcessCommandLine",
                        "InitiatingProcessFolderPath"};
    e.dynamic_columns = {"AdditionalFields"};
    e.projection = projection("DeviceName", "AccountDomain", "AccountName", "FileName",
                              "FolderPath", "ProcessCommandLine", "SHA256", "RemoteUrl",
                              "RemoteIP");
    e.facts = {{"host", "DeviceName"}};
    t.push_back(std::move(e));
  }
  {
    KqlTable d;
    d.name = "DnsEvents";
    d.policy_source = "event";
    d.sentinel_only = true;
    d.search_columns = {"Name"};
    d.projection = projection("Computer", "\"\"", "\"\"", "\"\"", "\"\"", "\"\"", "\"\"",
                              "Name", "ClientIP");
    d.facts = {{"host", "Computer"}};
    t.push_back(std::move(d));
  }
  return t;
}

}  // namespace

const std::vector<KqlTable>& kql_tables() {
  static const std::vector<KqlTable> tables = build();
  return tables;
}

std::string kql_time_column(KqlFlavor flavor, const KqlTable& table) {
  return flavor == KqlFlavor::kSentinel || table.sentinel_only ? "TimeGenerated" : "Timestamp";
}

std::string kql_string(const std::string& text) {
  bool control = false;
  for (char c : text) control |= static_cast<unsigned char>(c) < 0x20;
  if (control) {  // verbatim strings cannot hold line breaks: use the escaped form
    std::string out = "\"";
    for (char c : text) {
      unsigned char u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') { out.push_back('\\'); out.push_back(c); }
      else if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else if (u < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", u);
        out += buf;
      } else out.push_back(c);
    }
    return out + "\"";
  }
  std::string out = "@\"";
  for (char c : text) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

}  // namespace yarrow::exporter
