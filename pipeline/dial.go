package pipeline

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/apiversions"
	"github.com/segmentio/kafka-go/protocol/saslauthenticate"
	"github.com/segmentio/kafka-go/protocol/saslhandshake"
	"github.com/segmentio/kafka-go/sasl"
)

// brokerDialer connects to one broker and does TLS and SASL itself, the
// way kafka-go's Transport would, so that a failure names the step and
// the broker: TLS or SASL set against a listener that speaks neither
// otherwise surfaces as "context deadline exceeded" or "unexpected EOF"
// from the first metadata request.
type brokerDialer struct {
	net      net.Dialer
	tls      *tls.Config // nil: plaintext
	mech     sasl.Mechanism
	clientID string
	timeout  time.Duration // for the whole connect, TLS and SASL
}

func (d *brokerDialer) dial(ctx context.Context, network, address string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	conn, err := d.net.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if d.tls != nil {
		cfg := d.tls
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(address)
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS handshake with %s failed: %w%s", address, err, tlsHint(err))
		}
		conn = tc
	}
	if d.mech != nil {
		pc := protocol.NewConn(conn, d.clientID)
		if err := d.authenticate(ctx, pc, address); err != nil {
			conn.Close()
			return nil, fmt.Errorf("SASL %s authentication with %s failed: %w", d.mech.Name(), address, err)
		}
		conn = pc // later reads go through its buffer, which may hold what the broker sent next
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, nil
}

// tlsHint explains the usual cause of a TLS failure that names none.
func tlsHint(err error) string {
	var nerr net.Error
	if errors.Is(err, io.EOF) || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &nerr) && nerr.Timeout()) {
		return " (no TLS answer: is this a plaintext listener?)"
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) {
		return " (the broker answered without TLS: is this a plaintext listener?)"
	}
	return ""
}

// authenticate is kafka-go's SASL exchange (ApiVersions, SaslHandshake,
// SaslAuthenticate until the mechanism completes) on a fresh connection.
func (d *brokerDialer) authenticate(ctx context.Context, pc *protocol.Conn, address string) error {
	r, err := pc.RoundTrip(new(apiversions.Request))
	if err != nil {
		return closedHint(err)
	}
	res := r.(*apiversions.Response)
	ver := make(map[protocol.ApiKey]int16, len(res.ApiKeys))
	for _, k := range res.ApiKeys {
		key := protocol.ApiKey(k.ApiKey)
		ver[key] = key.SelectVersion(k.MinVersion, k.MaxVersion)
	}
	pc.SetVersions(ver)

	hs, err := pc.RoundTrip(&saslhandshake.Request{Mechanism: d.mech.Name()})
	if err != nil {
		return closedHint(err)
	}
	if h := hs.(*saslhandshake.Response); h.ErrorCode != 0 {
		return fmt.Errorf("%w (the listener offers %v)", kafka.Error(h.ErrorCode), h.Mechanisms)
	}
	host, port, _ := net.SplitHostPort(address)
	portN, _ := strconv.Atoi(port)
	ctx = sasl.WithMetadata(ctx, &sasl.Metadata{Host: host, Port: portN})
	sess, state, err := d.mech.Start(ctx)
	if err != nil {
		return err
	}
	for done := false; !done; {
		ar, err := pc.RoundTrip(&saslauthenticate.Request{AuthBytes: state})
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return errors.New("the broker closed the connection (wrong credentials, or a listener without SASL?)")
			}
			return err
		}
		a := ar.(*saslauthenticate.Response)
		if a.ErrorCode != 0 {
			msg := kafka.Error(a.ErrorCode).Error()
			if a.ErrorMessage != "" {
				msg += ": " + a.ErrorMessage
			}
			return errors.New(msg)
		}
		if done, state, err = sess.Next(ctx, a.AuthBytes); err != nil {
			return err
		}
	}
	return nil
}

// closedHint explains a connection closed before SASL began.
func closedHint(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (the broker closed the connection: does this listener use SASL?)", err)
	}
	return err
}
