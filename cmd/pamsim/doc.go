// Command pamsim serves Quell's vendor API simulators on loopback addresses,
// for `make run`, the demo and the benchmarks. Today it serves the
// BeyondInsight / Password Safe API v3 simulator; the Commvault and ThreadFix
// simulators join as further listeners with their own flags.
//
// Usage:
//
//	pamsim -beyondinsight-api-key-file key.txt -beyondinsight-runas svc-quell \
//	       [-listen 127.0.0.1:8441] [-beyondinsight-users users.json] [-log-level debug]
//
// The BeyondInsight API is then at
// http://127.0.0.1:8441/BeyondTrust/api/public/v3. Requests are logged at
// debug level (method, path, status, duration; never credentials). SIGINT or
// SIGTERM shuts the listeners down gracefully.
package main
