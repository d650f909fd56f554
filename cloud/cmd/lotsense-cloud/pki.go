package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lotsense/lotsense/cloud/pki"
)

var pkiUsage = `Usage:
  lotsense-cloud pki init -dir DIR [-site SITE] [-ca-cert FILE -ca-key FILE] [-days N]
  lotsense-cloud pki server -dir DIR -host HOST[,HOST…] [-days N]
  lotsense-cloud pki cloud -dir DIR [-name cloud] [-days N]
  lotsense-cloud pki list -dir DIR
  lotsense-cloud pki crl -dir DIR

init makes DIR a certificate authority: a new ECDSA P-256 CA (valid -days, default
3650), or the existing one -ca-cert/-ca-key name; with -site it enrols gateways of
that site only. server issues the broker's certificate for the hosts (names or IP
addresses gateways connect to); cloud issues the cloud's client certificate (common
name cloud, which the broker ACL gives every gateway's up topics and the down
topics); crl signs the revocation list again. Gateways: lotsense-cloud gateway -h.
DIR holds the CA key: keep it on the machine that enrols, mode 0700.
`

var gatewayUsage = `Usage:
  lotsense-cloud gateway enroll -dir DIR SITE/GATEWAY [-days N] [-broker URL] [-install-dir DIR]
  lotsense-cloud gateway rotate -dir DIR SITE/GATEWAY [-days N] [-broker URL] [-install-dir DIR]
  lotsense-cloud gateway revoke -dir DIR SITE/GATEWAY [-serial HEX]
  lotsense-cloud gateway list -dir DIR [-expiring DURATION]

enroll issues a gateway's client certificate (common name SITE/GATEWAY: its MQTT
identity) and key (valid -days, default 365), and prints its mqtt: configuration
block with the files to copy. rotate issues the next one before the current expires;
the old stays valid until it expires or is revoked (revoke -serial), so the gateway
keeps publishing while the new files are rolled out. revoke adds the gateway's
certificates, or the one -serial names, to DIR/crl.pem, which the broker reads:
copy it to Mosquitto and reload it (systemctl reload mosquitto) for new connections,
restart it to also drop a connected gateway; the embedded broker reads it again
within seconds and disconnects the gateway.
`

func (cl cli) pki(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(cl.stderr, pkiUsage)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("pki "+sub, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	dir := fs.String("dir", "./pki", "the CA directory")
	days := fs.Int("days", 0, "validity in days (default 3650 for a CA, 365 for a certificate)")
	var site, caCert, caKey, hosts, name string
	switch sub {
	case "init":
		fs.StringVar(&site, "site", "", "enrol gateways of this site only (and name the CA after it)")
		fs.StringVar(&caCert, "ca-cert", "", "use this existing CA certificate (PEM; a chain, signing CA first)")
		fs.StringVar(&caKey, "ca-key", "", "… and its private key (PEM)")
	case "server":
		fs.StringVar(&hosts, "host", "", "host names and IP addresses of the broker, separated by commas (required)")
	case "cloud":
		fs.StringVar(&name, "name", pki.DefaultCloudIdentity, "common name of the cloud's certificate")
	case "list", "crl":
	default:
		return fmt.Errorf("pki: unknown command %q (lotsense-cloud pki -h lists them)", sub)
	}
	if _, err := parseCommand(fs, args, 0, "no arguments"); err != nil {
		return err
	}
	validity := time.Duration(*days) * 24 * time.Hour
	if *days < 0 {
		return fmt.Errorf("pki %s: -days %d: want a positive number", sub, *days)
	}
	if sub == "init" {
		ca, err := pki.Init(*dir, pki.InitOptions{Site: site, CACert: caCert, CAKey: caKey, Validity: validity})
		if err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "CA %q in %s, valid until %s\n  certificate (the broker's cafile, each gateway's ca_file): %s\n  revocation list (the broker's crlfile): %s\n",
			ca.Cert().Subject.CommonName, ca.Dir(), ca.Cert().NotAfter.Format(time.DateOnly), ca.Path(pki.CACertFile), ca.Path(pki.CRLFile))
		return nil
	}
	ca, err := pki.Open(*dir)
	if err != nil {
		return err
	}
	switch sub {
	case "server":
		if hosts == "" {
			return errors.New("pki server: -host is required (the names or addresses gateways connect to)")
		}
		is, err := ca.Server(strings.Split(hosts, ","), pki.IssueOptions{Validity: validity})
		if err != nil {
			return err
		}
		cl.printIssued(is, "the broker's certfile and keyfile")
	case "cloud":
		is, err := ca.Cloud(name, pki.IssueOptions{Validity: validity})
		if err != nil {
			return err
		}
		cl.printIssued(is, "the cloud's MQTT client certificate")
	case "list":
		return listRecords(cl.stdout, ca.Records(), "", 0)
	case "crl":
		if err := ca.WriteCRL(); err != nil {
			return err
		}
		fmt.Fprintf(cl.stdout, "signed %s again\n", ca.Path(pki.CRLFile))
	}
	return nil
}

func (cl cli) printIssued(is pki.Issued, what string) {
	fmt.Fprintf(cl.stdout, "%s %s: certificate %s, valid until %s (%s)\n  %s\n  %s (mode 0600)\n",
		is.Kind, is.Name, is.Serial, is.NotAfter.Format(time.DateOnly), what, is.CertFile, is.KeyFile)
}

func (cl cli) gateway(args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(cl.stderr, gatewayUsage)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("gateway "+sub, flag.ContinueOnError)
	fs.SetOutput(cl.stderr)
	dir := fs.String("dir", "./pki", "the CA directory")
	var days int
	var broker, install, serial string
	var expiring time.Duration
	nargs, what := 1, "one SITE/GATEWAY"
	switch sub {
	case "enroll", "rotate":
		fs.IntVar(&days, "days", 0, "validity in days (default 365)")
		fs.StringVar(&broker, "broker", "", "broker URL for the printed block (default ssl://<the server certificate's first host>:8883)")
		fs.StringVar(&install, "install-dir", "/etc/lotsense/tls", "where the files go on the gateway, for the printed block")
	case "revoke":
		fs.StringVar(&serial, "serial", "", "revoke only the certificate with this serial number (hexadecimal, as list shows)")
	case "list":
		nargs, what = 0, "no arguments"
		fs.DurationVar(&expiring, "expiring", 0, "list only valid certificates expiring within this time (e.g. 720h)")
	default:
		return fmt.Errorf("gateway: unknown command %q (lotsense-cloud gateway -h lists them)", sub)
	}
	c, err := parseCommand(fs, args, nargs, what)
	if err != nil {
		return err
	}
	if days < 0 {
		return fmt.Errorf("gateway %s: -days %d: want a positive number", sub, days)
	}
	ca, err := pki.Open(*dir)
	if err != nil {
		return err
	}
	if sub == "list" {
		return listRecords(cl.stdout, ca.Records(), pki.KindGateway, expiring)
	}
	site, gw, err := pki.ParseGatewayIdentity(c.args[0])
	if err != nil {
		return err
	}
	o := pki.IssueOptions{Validity: time.Duration(days) * 24 * time.Hour}
	var is pki.Issued
	switch sub {
	case "enroll":
		is, err = ca.Enroll(site, gw, o)
	case "rotate":
		is, err = ca.Rotate(site, gw, o)
	case "revoke":
		recs, err := ca.Revoke(pki.KindGateway, pki.GatewayIdentity(site, gw), serial)
		if err != nil {
			return err
		}
		for _, r := range recs {
			fmt.Fprintf(cl.stdout, "revoked %s certificate %s (valid until %s)\n", r.Name, r.Serial, r.NotAfter.Format(time.DateOnly))
		}
		fmt.Fprintf(cl.stdout, "wrote %s: install it as Mosquitto's crlfile and reload Mosquitto (systemctl reload mosquitto; restart to drop a connected gateway too); the embedded broker reads it within seconds\n", ca.Path(pki.CRLFile))
		return nil
	}
	if err != nil {
		return err
	}
	if broker == "" {
		broker = defaultBroker(ca)
	}
	return mqttBlock(cl.stdout, ca, is, broker, install)
}

// defaultBroker is ssl://<first host of the server certificate>:8883.
func defaultBroker(ca *pki.CA) string {
	host := "broker.invalid"
	if certs, err := pki.ReadCerts(ca.Path(pki.ServerCertFile)); err == nil {
		host = certs[0].Subject.CommonName
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return "ssl://" + host + ":8883"
}

// mqttBlock prints what to copy to the gateway and its mqtt: configuration block.
func mqttBlock(w io.Writer, ca *pki.CA, is pki.Issued, broker, install string) error {
	site, gw, _ := pki.ParseGatewayIdentity(is.Name)
	dst := func(name string) string { return filepath.ToSlash(filepath.Join(install, name)) }
	_, err := fmt.Fprintf(w, `# gateway %s: certificate %s, valid until %s
# Copy to the gateway (owner lotsense; the key must stay mode 0600, the gateway
# refuses a key others can read):
#   %s -> %s
#   %s -> %s
#   %s -> %s
# and use this block in its configuration (e.g. /etc/lotsense/gateway.yaml):
mqtt:
  broker: %s
  client_id: lotsense-%s:%s
  ca_file: %s
  cert_file: %s
  key_file: %s
`, is.Name, is.Serial, is.NotAfter.Format(time.DateOnly),
		ca.Path(pki.CACertFile), dst("ca.crt"), is.CertFile, dst("gateway.crt"), is.KeyFile, dst("gateway.key"),
		broker, site, gw, dst("ca.crt"), dst("gateway.crt"), dst("gateway.key"))
	return err
}

// listRecords prints the certificates of kind (all when empty); expiring keeps only
// valid ones that expire within that time.
func listRecords(w io.Writer, recs []pki.Record, kind pki.Kind, expiring time.Duration) error {
	now := time.Now()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tSERIAL\tNOT AFTER\tSTATE")
	for _, r := range recs {
		if kind != "" && r.Kind != kind || expiring > 0 && (!r.Valid(now) || r.NotAfter.Sub(now) > expiring) {
			continue
		}
		state := "valid"
		switch {
		case !r.Revoked.IsZero():
			state = "revoked " + r.Revoked.Format(time.DateOnly)
		case !now.Before(r.NotAfter):
			state = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Kind, r.Name, r.Serial, r.NotAfter.Format(time.DateOnly), state)
	}
	return tw.Flush()
}
