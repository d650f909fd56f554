// Package pki is lotsense's small certificate authority: a site CA (ECDSA P-256, or an
// existing CA), one client certificate per gateway whose common name <site>/<gateway> is
// its MQTT identity, the cloud's client certificate, the broker's server certificate, and
// a revocation list (PEM X.509 CRL) that Mosquitto and the embedded broker both honour.
// Everything lives in one directory; see README.md for its layout and the commands.
package pki
