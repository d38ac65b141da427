// Package mesosapi holds Go types for the subset of the Apache Mesos v1
// scheduler HTTP API that allocsim's master speaks, encoded exactly as Mesos
// maps its protobuf messages to JSON (proto field names, enums as their
// names, bytes as standard base64, optional fields omitted when unset), and
// the RecordIO framing of the event stream ("<length>\n<json>").
//
// The field names and enum values follow include/mesos/v1/mesos.proto and
// include/mesos/v1/scheduler/scheduler.proto of Apache Mesos; only fields a
// scheduler needs to subscribe, receive offers, launch and track tasks are
// modelled. Unknown JSON fields are ignored, as Mesos's own parser does.
package mesosapi
