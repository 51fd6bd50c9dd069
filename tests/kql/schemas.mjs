// Real column schemas of the tables yarrow's KQL export queries, for Microsoft's own KQL
// parser/analyzer (@kusto/language-service-next). Defender XDR advanced hunting names the time
// column Timestamp; the same tables streamed into a Sentinel (Log Analytics) workspace also have
// TimeGenerated, TenantId, SourceSystem and Type, and Sentinel adds DnsEvents (DNS connector).
// Sources: Microsoft Defender XDR advanced hunting schema reference and the Azure Monitor
// table reference for DnsEvents.

const initiating = [
  'InitiatingProcessAccountDomain:string', 'InitiatingProcessAccountName:string',
  'InitiatingProcessAccountSid:string', 'InitiatingProcessAccountUpn:string',
  'InitiatingProcessAccountObjectId:string', 'InitiatingProcessMD5:string',
  'InitiatingProcessSHA1:string', 'InitiatingProcessSHA256:string',
  'InitiatingProcessFolderPath:string', 'InitiatingProcessFileName:string',
  'InitiatingProcessFileSize:long', 'InitiatingProcessVersionInfoCompanyName:string',
  'InitiatingProcessVersionInfoProductName:string', 'InitiatingProcessVersionInfoProductVersion:string',
  'InitiatingProcessVersionInfoInternalFileName:string',
  'InitiatingProcessVersionInfoOriginalFileName:string',
  'InitiatingProcessVersionInfoFileDescription:string', 'InitiatingProcessId:long',
  'InitiatingProcessCommandLine:string', 'InitiatingProcessCreationTime:datetime',
  'InitiatingProcessIntegrityLevel:string', 'InitiatingProcessTokenElevation:string',
  'InitiatingProcessParentId:long', 'InitiatingProcessParentFileName:string',
  'InitiatingProcessParentCreationTime:datetime', 'InitiatingProcessLogonId:long',
  'InitiatingProcessSessionId:long', 'IsInitiatingProcessRemoteSession:bool',
  'InitiatingProcessRemoteSessionDeviceName:string', 'InitiatingProcessRemoteSessionIP:string',
];

export const defenderTables = {
  DeviceProcessEvents: [
    'Timestamp:datetime', 'DeviceId:string', 'DeviceName:string', 'ActionType:string',
    'FileName:string', 'FolderPath:string', 'SHA1:string', 'SHA256:string', 'MD5:string',
    'FileSize:long', 'ProcessVersionInfoCompanyName:string', 'ProcessVersionInfoProductName:string',
    'ProcessVersionInfoProductVersion:string', 'ProcessVersionInfoInternalFileName:string',
    'ProcessVersionInfoOriginalFileName:string', 'ProcessVersionInfoFileDescription:string',
    'ProcessId:long', 'ProcessCommandLine:string', 'ProcessIntegrityLevel:string',
    'ProcessTokenElevation:string', 'ProcessCreationTime:datetime', 'AccountDomain:string',
    'AccountName:string', 'AccountSid:string', 'AccountUpn:string', 'AccountObjectId:string',
    'LogonId:long', 'InitiatingProcessSignerType:string', 'InitiatingProcessSignatureStatus:string',
    'ReportId:long', 'AppGuardContainerId:string', 'AdditionalFields:dynamic',
    'ProcessRemoteSessionDeviceName:string', 'ProcessRemoteSessionIP:string',
    'IsProcessRemoteSession:bool', ...initiating,
  ],
  DeviceFileEvents: [
    'Timestamp:datetime', 'DeviceId:string', 'DeviceName:string', 'ActionType:string',
    'FileName:string', 'FolderPath:string', 'SHA1:string', 'SHA256:string', 'MD5:string',
    'FileOriginUrl:string', 'FileOriginReferrerUrl:string', 'FileOriginIP:string',
    'PreviousFolderPath:string', 'PreviousFileName:string', 'FileSize:long',
    'RequestProtocol:string', 'RequestSourceIP:string', 'RequestSourcePort:int',
    'RequestAccountName:string', 'RequestAccountDomain:string', 'RequestAccountSid:string',
    'ShareName:string', 'SensitivityLabel:string', 'SensitivitySubLabel:string',
    'IsAzureInfoProtectionApplied:bool', 'ReportId:long', 'AppGuardContainerId:string',
    'AdditionalFields:dynamic', ...initiating,
  ],
  DeviceNetworkEvents: [
    'Timestamp:datetime', 'DeviceId:string', 'DeviceName:string', 'ActionType:string',
    'RemoteIP:string', 'RemotePort:int', 'RemoteUrl:string', 'LocalIP:string', 'LocalPort:int',
    'Protocol:string', 'LocalIPType:string', 'RemoteIPType:string', 'ReportId:long',
    'AppGuardContainerId:string', 'AdditionalFields:dynamic', ...initiating,
  ],
  DeviceEvents: [
    'Timestamp:datetime', 'DeviceId:string', 'DeviceName:string', 'ActionType:string',
    'FileName:string', 'FolderPath:string', 'SHA1:string', 'SHA256:string', 'MD5:string',
    'FileSize:long', 'AccountDomain:string', 'AccountName:string', 'AccountSid:string',
    'RemoteUrl:string', 'RemoteDeviceName:string', 'ProcessId:long', 'ProcessCommandLine:string',
    'ProcessCreationTime:datetime', 'ProcessTokenElevation:string', 'LogonId:long',
    'RegistryKey:string', 'RegistryValueName:string', 'RegistryValueData:string',
    'RemoteIP:string', 'RemotePort:int', 'LocalIP:string', 'LocalPort:int',
    'FileOriginUrl:string', 'FileOriginIP:string', 'AdditionalFields:dynamic', 'ReportId:long',
    'AppGuardContainerId:string', ...initiating,
  ],
  DeviceFileCertificateInfo: [
    'Timestamp:datetime', 'DeviceId:string', 'DeviceName:string', 'SHA1:string',
    'IsSigned:bool', 'SignatureType:string', 'Signer:string', 'SignerHash:string',
    'Issuer:string', 'IssuerHash:string', 'CertificateSerialNumber:string',
    'CrlDistributionPointUrls:string', 'CertificateCreationTime:datetime',
    'CertificateExpirationTime:datetime', 'CertificateCountersignatureTime:datetime',
    'IsTrusted:bool', 'IsRootSignerMicrosoft:bool', 'ReportId:long',
  ],
};

const logAnalytics = ['TenantId:string', 'TimeGenerated:datetime', 'SourceSystem:string',
                      'Type:string', 'MachineGroup:string'];

export const sentinelTables = Object.fromEntries([
  ...Object.entries(defenderTables).map(([name, cols]) => [name, [...logAnalytics, ...cols]]),
  ['DnsEvents', [
    'TenantId:string', 'SourceSystem:string', 'TimeGenerated:datetime', 'EventId:int',
    'SubType:string', 'ClientIP:string', 'Name:string', 'IPAddresses:string', 'Result:string',
    'ResultCode:int', 'QueryType:string', 'TaskCategory:string', 'Message:string',
    'Severity:int', 'Computer:string', 'MG:string', 'ManagementGroupName:string',
    '_ResourceId:string', 'Type:string',
  ]],
]);
