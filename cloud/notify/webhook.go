package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lotsense/lotsense/cloud/alerts"
	"github.com/lotsense/lotsense/cloud/store"
)

// DeliveryStore is the delivery log the dispatcher works from; *store.Store is one.
// The store queues a delivery for every webhook that wants an alert event in the same
// transaction that writes the event, so nothing is lost between the two.
type DeliveryStore interface {
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]store.DueDelivery, error)
	NextDeliveryDue(ctx context.Context) (time.Time, bool, error)
	RecordAttempt(ctx context.Context, id int64, a store.Attempt) error
}

// WebhookOptions configure the dispatcher; zero values take the defaults.
type WebhookOptions struct {
	Store DeliveryStore
	// Hub, when set, wakes the dispatcher as soon as alert events are published.
	Hub *alerts.Hub
	// Client sends the requests; default: one that follows no redirects.
	Client *http.Client
	// Timeout bounds one attempt (default 10 s).
	Timeout time.Duration
	// Every is the longest wait between two looks at the delivery log (default 1 s).
	Every time.Duration
	// MinBackoff is the wait after the first failed attempt (default 10 s); it doubles
	// with each attempt up to MaxBackoff (default 1 h), plus up to a quarter at random.
	MinBackoff, MaxBackoff time.Duration
	// GiveUpAfter is how long after it was queued a delivery is given up (default
	// 24 h); the last attempt is made at that time.
	GiveUpAfter time.Duration
	// Workers is how many attempts run at once (default 4).
	Workers    int
	Logger     *slog.Logger
	Registerer prometheus.Registerer // nil: metrics are kept but not exported
	Now        func() time.Time      // nil: time.Now
}

// Webhooks delivers queued alert events to webhooks.
type Webhooks struct {
	o        WebhookOptions
	attempts *prometheus.CounterVec
}

// batch bounds the deliveries one round takes.
const batch = 64

// NewWebhooks checks the options and registers the dispatcher's metrics.
func NewWebhooks(o WebhookOptions) (*Webhooks, error) {
	if o.Store == nil {
		return nil, errors.New("notify: webhooks need a store")
	}
	if o.Client == nil {
		o.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Timeout, 10*time.Second)
	def(&o.Every, time.Second)
	def(&o.MinBackoff, 10*time.Second)
	def(&o.MaxBackoff, time.Hour)
	def(&o.GiveUpAfter, 24*time.Hour)
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Webhooks{o: o, attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lotsense_webhook_attempts_total",
		Help: "Webhook delivery attempts by result: delivered, retry (network error, 5xx, 408, 429), failed (other answers, or given up).",
	}, []string{"result"})}
	if o.Registerer != nil {
		if err := o.Registerer.Register(w.attempts); err != nil {
			return nil, fmt.Errorf("notify: register metrics: %w", err)
		}
	}
	return w, nil
}

// Run delivers until ctx ends, then returns nil. Deliveries are read from the store
// each round, so a restarted cloud resumes those still pending; an attempt cut short by
// the end of ctx is not recorded and is made again after the restart. Run must not be
// called twice at once on one store.
func (w *Webhooks) Run(ctx context.Context) error {
	var wake <-chan struct{}
	if w.o.Hub != nil {
		ch, stop := w.o.Hub.Listen()
		defer stop()
		wake = ch
	}
	for {
		n, err := w.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.o.Logger.Warn("webhooks: reading the delivery log failed; trying again", "err", err)
		}
		if n == batch {
			continue // more may be due
		}
		wait := w.o.Every
		if next, ok, err := w.o.Store.NextDeliveryDue(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(w.o.Now()), 10*time.Millisecond))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// round attempts the deliveries due now, Workers at a time.
func (w *Webhooks) round(ctx context.Context) (int, error) {
	due, err := w.o.Store.DueDeliveries(ctx, w.o.Now(), batch)
	if err != nil {
		return 0, err
	}
	sem := make(chan struct{}, w.o.Workers)
	var wg sync.WaitGroup
	for _, d := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			w.deliver(ctx, &d)
		})
	}
	wg.Wait()
	return len(due), nil
}

// deliver makes one attempt and records its outcome.
func (w *Webhooks) deliver(ctx context.Context, d *store.DueDelivery) {
	log := w.o.Logger.With("webhook", d.WebhookID, "host", host(d.URL), "delivery", d.ID, "event", d.EventID, "alert", d.AlertID)
	body, err := json.Marshal(&d.Event)
	if err != nil {
		log.Error("webhooks: encode alert event", "err", err)
		return
	}
	status, retryAfter, err := w.post(ctx, d, body)
	if err != nil && ctx.Err() != nil {
		return // stopping: not an attempt; made again after the restart
	}
	now := w.o.Now()
	att := store.Attempt{At: now, Status: status}
	retry := false
	switch {
	case err != nil:
		att.Error, retry = err.Error(), true
	case status >= 200 && status < 300:
		att.Delivered = true
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		att.Error, retry = fmt.Sprintf("receiver answered %d %s", status, http.StatusText(status)), true
	default:
		att.Failed = true
		att.Error = fmt.Sprintf("receiver answered %d %s; not retried", status, http.StatusText(status))
	}
	result := "delivered"
	if retry {
		result = "retry"
		deadline := d.Queued.Add(w.o.GiveUpAfter)
		att.Next = now.Add(max(w.backoff(d.Attempts+1), min(retryAfter, w.o.MaxBackoff)))
		if !now.Before(deadline) {
			att.Failed = true
			att.Error = fmt.Sprintf("gave up after %d attempts in %v: %s", d.Attempts+1, w.o.GiveUpAfter, att.Error)
		} else if att.Next.After(deadline) {
			att.Next = deadline // the last attempt
		}
	}
	if att.Failed {
		result = "failed"
	}
	w.attempts.WithLabelValues(result).Inc()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.o.Store.RecordAttempt(rctx, d.ID, att); err != nil {
		log.Error("webhooks: recording a delivery attempt failed; it will be made again", "err", err)
		return
	}
	switch result {
	case "delivered":
		log.Debug("webhook delivered", "attempts", d.Attempts+1, "status", status)
	case "retry":
		log.Info("webhook delivery failed; will retry", "attempts", d.Attempts+1, "next", att.Next, "err", att.Error)
	default:
		log.Warn("webhook delivery failed for good", "attempts", d.Attempts+1, "err", att.Error)
	}
}

// post sends the body signed and returns the answer's status and Retry-After (0 when
// absent), or a network error (described without the URL, which may hold a token).
func (w *Webhooks) post(ctx context.Context, d *store.DueDelivery, body []byte) (int, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("bad request: %w", err)
	}
	ts := strconv.FormatInt(w.o.Now().Unix(), 10)
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "lotsense-cloud")
	h.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	h.Set(HeaderEvent, d.Event.Action)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderSignature, Sign(d.Secret, ts, body))
	res, err := w.o.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return 0, 0, fmt.Errorf("no answer within %v", w.o.Timeout)
		}
		return 0, 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	res.Body.Close()
	var after time.Duration
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		after = time.Duration(s) * time.Second
	}
	return res.StatusCode, after, nil
}

// backoff is the wait after the nth failed attempt.
func (w *Webhooks) backoff(n int) time.Duration {
	d := w.o.MinBackoff
	for i := 1; i < n && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	return d + rand.N(d/4+1)
}
