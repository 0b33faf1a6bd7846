// Package telemetry sets up what every Quell process reports about itself:
// OpenTelemetry traces (exported over OTLP when the standard OTEL_*
// variables ask for it), metrics served at /metrics through the Prometheus
// exporter, and slog loggers whose every line carries the trace id.
package telemetry
