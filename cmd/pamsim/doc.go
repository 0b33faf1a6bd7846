// Command pamsim serves Quell's vendor API simulators on loopback addresses,
// for `make run`, the demo and the benchmarks: BeyondInsight / Password Safe
// API v3 always, and Commvault and ThreadFix when their credentials are given.
//
// Usage:
//
//	pamsim -beyondinsight-api-key-file key.txt -beyondinsight-runas svc-quell \
//	       [-listen 127.0.0.1:8441] [-beyondinsight-users users.json] \
//	       [-commvault-password-file pwd.txt -commvault-username svc-quell -commvault-listen 127.0.0.1:8442] \
//	       [-threadfix-api-key-file tfkey.txt -threadfix-listen 127.0.0.1:8443] [-log-level debug]
//
// The APIs are then at http://127.0.0.1:8441/BeyondTrust/api/public/v3,
// http://127.0.0.1:8442/webconsole/api and
// http://127.0.0.1:8443/threadfix/rest/latest. Requests are logged at
// debug level (method, path, status, duration; never credentials). SIGINT or
// SIGTERM shuts the listeners down gracefully.
package main
