// Package events defines Quell's events on the wire and the JetStream
// plumbing that carries them: CloudEvents 1.0 types and their JSON data,
// subjects, streams, consumers, the ledger bucket, and publishing that
// returns only after JetStream has stored the event.
//
// Flow: ingest publishes alert/HR events on quell.events.<kind>.<source>; the
// planner turns them into action requests on quell.actions.<target>.<action>;
// the executor publishes results on quell.results.<target>.<action>; what
// cannot be processed goes to quell.dlq.<stage> with the reason.
//
// An event's identity is its (source, id) pair, as CloudEvents defines it;
// the JetStream message id (Nats-Msg-Id) is derived from that pair so that a
// repeated delivery within the stream's duplicate window is stored once.
package events
