package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/api"
	"github.com/lotsense/lotsense/cloud/auth"
	"github.com/lotsense/lotsense/cloud/broker"
	"github.com/lotsense/lotsense/cloud/downlink"
	"github.com/lotsense/lotsense/cloud/influx"
	"github.com/lotsense/lotsense/cloud/ingest"
	"github.com/lotsense/lotsense/cloud/notify"
	"github.com/lotsense/lotsense/cloud/store"
	"github.com/lotsense/lotsense/cloud/trace"
	"github.com/lotsense/lotsense/cloud/tracefeed"
	"github.com/lotsense/lotsense/gateway/wire"
	"github.com/lotsense/lotsense/rules"
)

type serveFlags struct {
	data, httpAddr, brokerURL, mqttListen, clientID, group, logLevel string
	traceDB, lotCodes, expiryBuckets, tlsCert, tlsKey                string
	influxURL, influxBucket, influxOrg, influxTokenFile              string
	expiryEvery                                                      time.Duration
	buckets                                                          []int
	holdsEvery                                                       time.Duration
	sessionTTL                                                       time.Duration
	secureCookies                                                    bool
	rules                                                            profileFlags
	profile                                                          rules.Profile // what rules chose
}

func parseServe(args []string) (*serveFlags, error) {
	f := &serveFlags{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&f.data, "data", "./data", "directory for the SQLite database")
	fs.StringVar(&f.httpAddr, "http", "127.0.0.1:8080", "address for the dashboard and REST API")
	fs.StringVar(&f.brokerURL, "broker", "", "external MQTT broker URL (tcp://host:1883); empty runs the embedded broker")
	fs.StringVar(&f.mqttListen, "mqtt-listen", "127.0.0.1:1883", "listen address of the embedded broker")
	fs.StringVar(&f.clientID, "client-id", "lotsense-cloud", "MQTT client id (fixed, so the broker keeps queued messages across restarts)")
	fs.StringVar(&f.group, "group", "", "shared-subscription group for several replicas ($share/<group>/...)")
	f.rules.register(fs)
	fs.DurationVar(&f.holdsEvery, "holds-every", 2*time.Second, "how often each site's hold list is checked and, when changed, published to its gateways")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&f.sessionTTL, "session-ttl", auth.DefaultSessionTTL, "a dashboard session ends this long after its last use")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the session cookie Secure on plain HTTP too (behind a proxy that terminates TLS)")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "serve the dashboard and API over HTTPS with this certificate (PEM, chain included)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "the private key of -tls-cert (PEM; must not be readable by group or others)")
	fs.StringVar(&f.traceDB, "trace-db", "", "the traceability record: an SQLite file, or a postgres:// URL (default <data>/trace.db)")
	fs.StringVar(&f.lotCodes, "lot-codes", string(trace.DefaultLotCodePattern), "pattern of the lot codes lotsense assigns ({yyyy} {yy} {mm} {dd} {ddd} {julian} {facility} {line} {shift} {seq:N})")
	fs.StringVar(&f.expiryBuckets, "expiry-buckets", "30,60,90", "near-expiry alert buckets, in days")
	fs.DurationVar(&f.expiryEvery, "expiry-every", time.Hour, "how often stock is checked for near-expiry alerts")
	fs.StringVar(&f.influxURL, "influx-url", "", "write every stored reading to InfluxDB at this URL (http://host:8086); empty: off")
	fs.StringVar(&f.influxBucket, "influx-bucket", influx.DefaultBucket, "InfluxDB bucket; on 1.8 database/retention-policy")
	fs.StringVar(&f.influxOrg, "influx-org", "", "InfluxDB 2 organisation (empty for 1.8)")
	fs.StringVar(&f.influxTokenFile, "influx-token-file", "", "file holding the InfluxDB token (user:password on 1.8); none: no authentication")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, fmt.Errorf("serve: -tls-cert and -tls-key go together: give both or neither")
	}
	if err := trace.LotCodePattern(f.lotCodes).Check(); err != nil {
		return nil, fmt.Errorf("serve: -lot-codes: %w", err)
	}
	for _, v := range strings.Split(f.expiryBuckets, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > 3650 {
			return nil, fmt.Errorf("serve: -expiry-buckets %q: want days from 1 to 3650, e.g. 30,60,90", f.expiryBuckets)
		}
		f.buckets = append(f.buckets, n)
	}
	if f.expiryEvery < time.Second {
		return nil, fmt.Errorf("serve: -expiry-every %s: want at least 1s", f.expiryEvery)
	}
	if f.influxURL == "" && f.influxTokenFile != "" {
		return nil, fmt.Errorf("serve: -influx-token-file needs -influx-url")
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected arguments %q", fs.Args())
	}
	if err := f.rules.check(fs); err != nil {
		return nil, err
	}
	var err error
	if f.profile, err = f.rules.profile(); err != nil {
		return nil, err
	}
	return f, nil
}

func serve(ctx context.Context, args []string) error {
	f, err := parseServe(args)
	if err != nil {
		return err
	}
	log, err := newLogger(f.logLevel)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, filepath.Join(f.data, "lotsense.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if f.traceDB == "" {
		f.traceDB = filepath.Join(f.data, "trace.db")
	}
	tr, err := trace.Open(ctx, f.traceDB)
	if err != nil {
		return err
	}
	defer tr.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every alert change is stored first; the store wakes the hub, which reads the
	// changes in order and hands them to the dashboard's stream, webhooks and MQTT.
	hub := alerts.NewHub(256)
	st.OnAlertEvents(hub.Wake)
	lastEvent, err := st.LastAlertEventID(ctx)
	if err != nil {
		return err
	}
	in, err := ingest.New(ingest.Options{Store: st, Profile: f.profile, Staleness: f.rules.staleness, Logger: log, Registerer: reg})
	if err != nil {
		return err
	}
	log.Info("lots judged by rules profile", "profile", f.profile.Name, "rules", len(f.profile.Rules))

	// The embedded broker acknowledges readings, events and alarms only once ingest has
	// stored them: its queues die with this process. Status (retained) and the gateways'
	// last wills come through the subscription as with an external broker.
	brokerURL, kinds := f.brokerURL, []wire.Kind(nil)
	if brokerURL == "" {
		b, err := broker.Start(broker.Options{Address: f.mqttListen, Logger: quiet(log),
			Deliver: func(ctx context.Context, topic string, payload []byte) error {
				return in.Deliver(ctx, ingest.Message{Topic: topic, Payload: payload, Received: time.Now()})
			},
			Intercept: sequencedTopic})
		if err != nil {
			return err
		}
		defer b.Close()
		brokerURL = b.URL()
		kinds = []wire.Kind{wire.KindStatus}
		log.Info("embedded MQTT broker listening", "url", brokerURL)
	}
	// Hold lists go to the gateways over their own connection, retained.
	down, err := downlink.New(downlink.Options{Store: st, Broker: brokerURL, ClientID: f.clientID, Every: f.holdsEvery,
		Logger: log, Registerer: reg})
	if err != nil {
		return err
	}
	// Alert changes go to the webhooks (lotsense-cloud webhook add) and to
	// lotsense/v1/<site>/alerts, each from durable state, so a restart resumes them.
	hooks, err := notify.NewWebhooks(notify.WebhookOptions{Store: st, Hub: hub, Logger: log, Registerer: reg})
	if err != nil {
		return err
	}
	alertTopic, err := notify.NewMQTT(notify.MQTTOptions{Store: st, Hub: hub, Broker: brokerURL, ClientID: f.clientID,
		Logger: log, Registerer: reg})
	if err != nil {
		return err
	}
	users, err := auth.New(auth.Options{Store: st, Logger: log, SessionTTL: f.sessionTTL, SecureCookies: f.secureCookies})
	if err != nil {
		return err
	}
	srv, err := api.New(api.Options{Store: st, Auth: users, Hub: hub, Logger: log, Metrics: promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Trace: tr, LotCodes: trace.LotCodePattern(f.lotCodes)})
	if err != nil {
		return err
	}
	var toInflux *influx.Follower // stored readings into InfluxDB, when configured
	if f.influxURL != "" {
		token := ""
		if f.influxTokenFile != "" {
			if token, err = influx.ReadToken(f.influxTokenFile); err != nil {
				return err
			}
		}
		if toInflux, err = influx.New(influx.Options{Store: st, URL: f.influxURL, Token: token, Org: f.influxOrg, Bucket: f.influxBucket,
			Logger: log, Registerer: reg}); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", f.httpAddr)
	if err != nil {
		return fmt.Errorf("dashboard: listen on %s: %w", f.httpAddr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if f.tlsCert != "" {
		cfg, err := serverTLS(f.tlsCert, f.tlsKey)
		if err != nil {
			ln.Close()
			return err
		}
		ln, scheme = tls.NewListener(ln, cfg), "https"
	}
	fmt.Printf("lotsense-cloud %s: dashboard on %s://%s (MQTT %s, data in %s)\n", version, scheme, ln.Addr(), brokerURL, f.data)

	ctx, stop := context.WithCancel(ctx) // an error of one part stops the others
	defer stop()
	defer notifySystemd(ctx, log, fmt.Sprintf("dashboard on %s://%s, MQTT %s", scheme, ln.Addr(), brokerURL))()
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	wg.Go(func() {
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("dashboard: %w", err)
		}
	})
	wg.Go(func() {
		if err := in.Subscribe(ctx, ingest.SubscribeOptions{Broker: brokerURL, ClientID: f.clientID, Group: f.group, Kinds: kinds}); err != nil {
			errc <- err
		}
	})
	wg.Go(func() {
		if err := down.Run(ctx); err != nil {
			errc <- err
		}
	})
	wg.Go(func() {
		if err := hub.Follow(ctx, st, alerts.FollowOptions{After: lastEvent, Logger: log}); err != nil {
			errc <- err
		}
	})
	wg.Go(func() {
		if err := hooks.Run(ctx); err != nil {
			errc <- err
		}
	})
	wg.Go(func() {
		if err := alertTopic.Run(ctx); err != nil {
			errc <- err
		}
	})
	// Gateway events and lot status changes become tracking events; holds reach the
	// lots made from a held lot.
	wg.Go(func() {
		if err := tracefeed.New(st, tr, log).Run(ctx); err != nil {
			errc <- err
		}
	})
	wg.Go(func() { expiryAlerts(ctx, log, st, tr, f.buckets, f.expiryEvery) })
	if toInflux != nil {
		wg.Go(func() {
			if err := toInflux.Run(ctx); err != nil {
				errc <- err
			}
		})
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
	}
	srv.Close() // ends live alert streams so Shutdown does not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	stop()
	wg.Wait()
	return err
}

// serverTLS loads the dashboard's certificate and key, refusing a key file others
// can read.
func serverTLS(certFile, keyFile string) (*tls.Config, error) {
	fi, err := os.Stat(keyFile)
	if err != nil {
		return nil, fmt.Errorf("serve: -tls-key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("serve: -tls-key %s has mode %04o: readable by group or others; run chmod 600 %s", keyFile, fi.Mode().Perm(), keyFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("serve: -tls-cert/-tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// expiryAlerts checks stock for near-expiry alerts now and every period.
func expiryAlerts(ctx context.Context, log *slog.Logger, st *store.Store, tr *trace.Store, buckets []int, every time.Duration) {
	for {
		if n, err := tracefeed.ExpiryAlerts(ctx, st, tr, time.Now(), buckets); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error("near-expiry check failed; next try at the next period", "err", err)
		} else if n > 0 {
			log.Info("near-expiry alerts raised", "lots", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// quiet returns a logger for the embedded broker that keeps its warnings and drops
// its per-connection chatter unless debug logging is on.
func quiet(log *slog.Logger) *slog.Logger {
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return log
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// sequencedTopic reports whether a topic carries a gateway's sequenced records
// (readings, events, alarms): what the embedded broker hands to ingest before its PUBACK.
func sequencedTopic(topic string) bool {
	_, _, kind, err := wire.ParseTopic(topic)
	return err == nil && (kind == wire.KindReadings || kind == wire.KindEvents || kind == wire.KindAlarms)
}
