// Schema recognition and field mapping onto the Event model, from each schema's real names.
#include <gtest/gtest.h>

#include "hunt/normalize.h"
#include "test_util.h"

namespace yarrow::hunt {
namespace {

Event one(const std::string& text, LogFormat format = LogFormat::kJsonLines) {
  auto recs = test::read_all(text, format);
  EXPECT_EQ(recs.size(), 1u);
  EXPECT_FALSE(recs.empty() || recs[0].malformed);
  return recs.empty() ? Event{} : normalize(std::move(recs[0]));
}

TEST(Normalize, SysmonProcessCreateInEveryStyle) {
  const char* xml =
      "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
      "<TimeCreated SystemTime='2026-11-24T02:10:09.5Z'/><EventRecordID>9</EventRecordID>"
      "<Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>WS01</Computer></System>"
      "<EventData><Data Name='UtcTime'>2026-11-24 02:10:08.000</Data>"
      "<Data Name='ProcessGuid'>{AB-1}</Data><Data Name='ProcessId'>6244</Data>"
      "<Data Name='Image'>C:\\Windows\\Sys64\\intelservice.exe</Data>"
      "<Data Name='CommandLine'>intelservice.exe -p KJU</Data><Data Name='User'>WS01\\jdoe</Data>"
      "<Data Name='Hashes'>MD5=00,SHA1=ABCDEF</Data><Data Name='ParentProcessId'>6012</Data>"
      "<Data Name='ParentImage'>C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe</Data>"
      "<Data Name='ParentCommandLine'>SoftwareInstaller.exe</Data></EventData></Event>";
  const char* winlogbeat =
      R"({"@timestamp":"2026-11-24T02:10:09.500Z","host":{"name":"ws01"},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","computer_name":"WS01","event_id":"1","provider_name":"Microsoft-Windows-Sysmon","record_id":9,"event_data":{"UtcTime":"2026-11-24 02:10:08.000","ProcessGuid":"{AB-1}","ProcessId":"6244","Image":"C:\\Windows\\Sys64\\intelservice.exe","CommandLine":"intelservice.exe -p KJU","User":"WS01\\jdoe","Hashes":"MD5=00,SHA1=ABCDEF","ParentProcessId":"6012","ParentImage":"C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe","ParentCommandLine":"SoftwareInstaller.exe"}}})";
  const char* nxlog =
      R"({"EventTime":"2026-11-24 03:10:09","Hostname":"WS01","EventID":1,"SourceName":"Microsoft-Windows-Sysmon","RecordNumber":9,"Channel":"Microsoft-Windows-Sysmon/Operational","UtcTime":"2026-11-24 02:10:08.000","ProcessGuid":"{AB-1}","ProcessId":"6244","Image":"C:\\Windows\\Sys64\\intelservice.exe","CommandLine":"intelservice.exe -p KJU","User":"WS01\\jdoe","Hashes":"MD5=00,SHA1=ABCDEF","ParentProcessId":"6012","ParentImage":"C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe","ParentCommandLine":"SoftwareInstaller.exe"})";
  for (auto [text, format] : {std::pair{xml, LogFormat::kXml}, {winlogbeat, LogFormat::kJsonLines},
                              {nxlog, LogFormat::kJsonLines}}) {
    Event e = one(text, format);
    SCOPED_TRACE(text);
    EXPECT_EQ(e.schema, "Sysmon");
    EXPECT_EQ(e.kind, EventKind::kProcessCreate);
    EXPECT_EQ(e.event_id, 1);
    EXPECT_EQ(e.record_id, 9u);
    EXPECT_EQ(e.host, "WS01");
    // UtcTime (when it happened) wins over the time the log recorded it.
    EXPECT_EQ(e.time, parse_timestamp("2026-11-24T02:10:08Z"));
    EXPECT_EQ(e.process.path, "C:\\Windows\\Sys64\\intelservice.exe");
    EXPECT_EQ(e.process.name, "intelservice.exe");
    EXPECT_EQ(e.process.command_line, "intelservice.exe -p KJU");
    EXPECT_EQ(e.process.pid, 6244);
    EXPECT_EQ(e.process.user, "WS01\\jdoe");
    EXPECT_EQ(e.process.sha1, "abcdef");
    EXPECT_EQ(e.parent.path, "C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe");
    EXPECT_EQ(e.parent.name, "SoftwareInstaller.exe");
    EXPECT_EQ(e.parent.pid, 6012);
    EXPECT_FALSE(e.parent.user);  // not in this Sysmon version's event: unknown, not ""
    EXPECT_FALSE(e.file_path);
  }
}

TEST(Normalize, SysmonNetworkDnsFileImageLoadAndZoneIdentifier) {
  Event net = one(R"({"EventID":3,"Image":"C:\\a.exe","Protocol":"tcp","Initiated":"true","DestinationIp":"175.45.176.68","DestinationHostname":"pool.kp","DestinationPort":"8080","SourceIp":"10.0.0.2","SourcePort":"5000"})");
  EXPECT_EQ(net.kind, EventKind::kNetworkConnect);
  EXPECT_EQ(net.remote_ip, "175.45.176.68");
  EXPECT_EQ(net.remote_host, "pool.kp");
  EXPECT_EQ(net.remote_port, 8080);
  Event inbound = one(R"({"EventID":3,"Image":"C:\\a.exe","Initiated":"false","DestinationIp":"10.0.0.2","DestinationHostname":"-","SourceIp":"1.2.3.4","SourceHostname":"-","SourcePort":"4444"})");
  EXPECT_EQ(inbound.remote_ip, "1.2.3.4");
  EXPECT_EQ(inbound.remote_port, 4444);
  EXPECT_FALSE(inbound.remote_host);  // Sysmon's "-" is not a host name

  Event dns = one(R"({"EventID":22,"Image":"C:\\a.exe","QueryName":"pool.kp"})");
  EXPECT_EQ(dns.kind, EventKind::kDnsQuery);
  EXPECT_EQ(dns.dns_query, "pool.kp");

  Event file = one(R"({"EventID":11,"Image":"C:\\a.exe","TargetFilename":"C:\\Windows\\Sys64\\x.exe"})");
  EXPECT_EQ(file.kind, EventKind::kFileCreate);
  EXPECT_EQ(file.file_path, "C:\\Windows\\Sys64\\x.exe");

  Event load = one(R"({"EventID":7,"ProcessGuid":"{G}","Image":"C:\\tv.exe","ImageLoaded":"C:\\tv.exe","Signed":"true","Signature":"TeamViewer Germany GmbH","SignatureStatus":"Valid"})");
  EXPECT_EQ(load.kind, EventKind::kImageLoad);
  ASSERT_TRUE(load.signer);
  EXPECT_EQ(load.signer->subject, "TeamViewer Germany GmbH");
  EXPECT_TRUE(load.signer->verified);
  Event expired = one(R"({"EventID":7,"Image":"C:\\tv.exe","ImageLoaded":"C:\\tv.exe","Signed":"true","Signature":"X","SignatureStatus":"Expired"})");
  ASSERT_TRUE(expired.signer);
  EXPECT_FALSE(expired.signer->verified);

  Event zone = one(R"({"EventID":15,"Image":"C:\\chrome.exe","TargetFilename":"C:\\Users\\a\\Downloads\\t.zip:Zone.Identifier","Contents":"[ZoneTransfer]  ZoneId=3  ReferrerUrl=https://github.com/o/t/releases  HostUrl=https://objects.githubusercontent.com/t.zip  "})");
  EXPECT_EQ(zone.kind, EventKind::kFileCreate);
  EXPECT_EQ(zone.file_path, "C:\\Users\\a\\Downloads\\t.zip");
  EXPECT_EQ(zone.download_url, "https://objects.githubusercontent.com/t.zip");
  EXPECT_EQ(zone.download_referrer, "https://github.com/o/t/releases");
}

TEST(Normalize, DefenderProcessEvents) {
  // Table inferred from ActionType; FolderPath without the file name (older exports) is joined.
  Event e = one(R"({"Timestamp":"2026-11-24T02:10:09.123Z","DeviceName":"ws01.corp.local","ActionType":"ProcessCreated","FileName":"intelservice.exe","FolderPath":"C:\\Windows\\Sys64","ProcessId":6244,"ProcessCommandLine":"intelservice.exe -p KJU","AccountDomain":"ws01","AccountName":"jdoe","SHA1":"AB","InitiatingProcessFileName":"SoftwareInstaller.exe","InitiatingProcessFolderPath":"C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe","InitiatingProcessId":6012,"InitiatingProcessCommandLine":"SoftwareInstaller.exe","InitiatingProcessAccountDomain":"ws01","InitiatingProcessAccountName":"jdoe","InitiatingProcessParentFileName":"explorer.exe"})");
  EXPECT_EQ(e.schema, "DeviceProcessEvents");
  EXPECT_EQ(e.kind, EventKind::kProcessCreate);
  EXPECT_EQ(e.time, parse_timestamp("2026-11-24T02:10:09Z"));
  EXPECT_EQ(e.host, "ws01.corp.local");
  EXPECT_EQ(e.process.path, "C:\\Windows\\Sys64\\intelservice.exe");
  EXPECT_EQ(e.process.user, "ws01\\jdoe");
  EXPECT_EQ(e.process.sha1, "ab");
  EXPECT_EQ(e.parent.path, "C:\\Users\\jdoe\\Downloads\\SoftwareInstaller.exe");
  EXPECT_EQ(e.parent.pid, 6012);
  EXPECT_EQ(e.grandparent_name, "explorer.exe");
}

TEST(Normalize, DefenderOtherTables) {
  // Sentinel names the table in Type and the time TimeGenerated.
  Event net = one(R"({"TimeGenerated":"2026-11-24T02:10:11Z","Type":"DeviceNetworkEvents","DeviceName":"ws01","ActionType":"ConnectionSuccess","RemoteIP":"175.45.176.68","RemotePort":8080,"RemoteUrl":"https://pool.kp:8080/x","Protocol":"Tcp","InitiatingProcessFileName":"a.exe","InitiatingProcessFolderPath":"C:\\a.exe","InitiatingProcessSHA1":"CD","InitiatingProcessParentFileName":"b.exe"})");
  EXPECT_EQ(net.schema, "DeviceNetworkEvents");
  EXPECT_EQ(net.kind, EventKind::kNetworkConnect);
  EXPECT_EQ(net.time, parse_timestamp("2026-11-24T02:10:11Z"));
  EXPECT_EQ(net.remote_url, "https://pool.kp:8080/x");
  EXPECT_EQ(net.remote_host, "pool.kp");
  EXPECT_EQ(net.remote_port, 8080);
  EXPECT_EQ(net.process.path, "C:\\a.exe");
  EXPECT_EQ(net.process.sha1, "cd");
  EXPECT_EQ(net.parent.name, "b.exe");
  EXPECT_FALSE(net.process.user);

  Event file = one(R"({"Timestamp":"2026-11-24T16:00:00Z","ActionType":"FileCreated","FileName":"t.zip","FolderPath":"C:\\Users\\a\\Downloads\\t.zip","FileOriginUrl":"https://objects.githubusercontent.com/t.zip","FileOriginReferrerUrl":"https://github.com/o/t","InitiatingProcessFileName":"chrome.exe"})");
  EXPECT_EQ(file.schema, "DeviceFileEvents");
  EXPECT_EQ(file.file_path, "C:\\Users\\a\\Downloads\\t.zip");
  EXPECT_EQ(file.download_url, "https://objects.githubusercontent.com/t.zip");
  EXPECT_EQ(file.download_referrer, "https://github.com/o/t");

  Event dns = one(R"({"Timestamp":"2026-11-24T02:10:10Z","ActionType":"DnsQueryResponse","AdditionalFields":"{\"DnsQueryString\":\"pool.kp\"}","InitiatingProcessFileName":"a.exe"})");
  EXPECT_EQ(dns.schema, "DeviceEvents");
  EXPECT_EQ(dns.kind, EventKind::kDnsQuery);
  EXPECT_EQ(dns.dns_query, "pool.kp");

  Event cert = one(R"({"Timestamp":"2026-11-24T15:00:00Z","SHA1":"EF","IsSigned":1,"Signer":"TeamViewer Germany GmbH","Issuer":"DigiCert","IsTrusted":1})");
  EXPECT_EQ(cert.schema, "DeviceFileCertificateInfo");
  EXPECT_EQ(cert.kind, EventKind::kCertificate);
  EXPECT_EQ(cert.process.sha1, "ef");
  ASSERT_TRUE(cert.signer);
  EXPECT_TRUE(cert.signer->verified);
  EXPECT_EQ(cert.signer->issuer, "DigiCert");

  Event server = one(R"({"TimeGenerated":"2026-11-24T02:10:10Z","Computer":"DC01","EventId":256,"Name":"pool.kp","QueryType":"A","ClientIP":"10.0.0.21"})");
  EXPECT_EQ(server.schema, "DnsEvents");
  EXPECT_EQ(server.kind, EventKind::kDnsQuery);
  EXPECT_EQ(server.dns_query, "pool.kp");
  EXPECT_EQ(server.host, "DC01");
  EXPECT_FALSE(server.process.path);

  Event unknown = one(R"({"message":"hello"})");
  EXPECT_EQ(unknown.schema, "unknown");
  EXPECT_EQ(unknown.kind, EventKind::kOther);
  EXPECT_EQ(unknown.raw.size(), 1u);
}

}  // namespace
}  // namespace yarrow::hunt
