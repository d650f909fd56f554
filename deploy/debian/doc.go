// Package debian builds lotsense's .deb packages (`make deb` runs build.sh): the
// gateway and cloud binaries with their systemd units, example configuration and
// maintainer scripts. Its tests build and inspect the amd64 packages; see deploy/README.md.
package debian
