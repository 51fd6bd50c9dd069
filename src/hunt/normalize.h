// Normalizer: maps a raw record of any supported schema onto the Event model.
//
// Schemas are recognised per record, not per file, so mixed exports work:
// - Sysmon (event ids 1, 3, 7, 11, 15, 22; others kept as kOther) in Windows event XML,
//   Winlogbeat JSON (winlog.event_data.*, winlog.computer_name, ...) and NXLog flat JSON
//   (Hostname, EventID, RecordNumber, SourceName, ...);
// - Defender / Sentinel advanced hunting: DeviceProcessEvents, DeviceNetworkEvents,
//   DeviceFileEvents, DeviceEvents, DeviceFileCertificateInfo (table named by a Type/$table
//   column when present, otherwise inferred from ActionType and columns), and Sentinel DnsEvents.
// Anything else becomes an kOther event of schema "unknown" carrying only its raw fields.
#pragma once

#include "hunt/event.h"
#include "hunt/reader.h"

namespace yarrow::hunt {

// Moves record.fields into event.raw.
Event normalize(RawRecord&& record);

}  // namespace yarrow::hunt
