//go:build e2e

package test

// Issue 5, security end to end: the plugin .so through flbhost against a
// kfake broker that requires TLS (a CA generated here, a server certificate
// for 127.0.0.1, optionally client certificates) or SASL (PLAIN,
// SCRAM-SHA-256, SCRAM-SHA-512), read back with kcat over the same
// protocol. The negative cases check that delivery fails (FLB_RETRY, never
// FLB_OK and nothing stored), that the log says why and names the broker,
// and that no password is ever printed.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsaudit/awsaudit/test/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// testCA is a certificate authority generated for one test.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	pemPath string
}

var serial atomic.Int64

func nextSerial() *big.Int {
	return big.NewInt(time.Now().UnixNano() + serial.Add(1))
}

func newTestCA(t *testing.T, dir, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, pemPath: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.pemPath, "CERTIFICATE", der)
	return ca
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issued is a certificate signed by a testCA, in memory and on disk.
type issued struct {
	pair              tls.Certificate
	certPath, keyPath string
}

// issue signs a certificate for ips and dnsNames (server) or for a client.
func (ca *testCA) issue(t *testing.T, dir, name string, client bool, ips []net.IP, dnsNames []string) issued {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	usage := x509.ExtKeyUsageServerAuth
	if client {
		usage = x509.ExtKeyUsageClientAuth
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		IPAddresses:  ips,
		DNSNames:     dnsNames,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	is := issued{certPath: filepath.Join(dir, name+".crt"), keyPath: filepath.Join(dir, name+".key")}
	writePEM(t, is.certPath, "CERTIFICATE", der)
	writePEM(t, is.keyPath, "PRIVATE KEY", keyDER)
	if is.pair, err = tls.LoadX509KeyPair(is.certPath, is.keyPath); err != nil {
		t.Fatal(err)
	}
	return is
}

var localhostIP = []net.IP{net.ParseIP("127.0.0.1")}

// secInput is a small access-log input of one chunk for the security
// tests; every fourth line is presigned with the signature secret.
func secInput(t *testing.T, n int, prefix, secret string) (path string, ids []string) {
	t.Helper()
	var lines []string
	for i := range n {
		id := fmt.Sprintf("%s%06d", prefix, i)
		lines = append(lines, e2eAccessLine(i, "sec-bucket", id, secret))
		ids = append(ids, id)
	}
	return e2eLinesFile(t, lines), ids
}

// kcatTLS returns kcat's -X arguments for a TLS broker (librdkafka checks
// the host name against DNS names only, so that check is off for the IP).
func kcatTLS(caPath string, client *issued) []string {
	args := []string{"-X", "security.protocol=ssl", "-X", "ssl.ca.location=" + caPath,
		"-X", "ssl.endpoint.identification.algorithm=none"}
	if client != nil {
		args = append(args, "-X", "ssl.certificate.location="+client.certPath, "-X", "ssl.key.location="+client.keyPath)
	}
	return args
}

// requireDelivered checks one successful run: every flush FLB_OK at the
// first try and every id in the topic exactly once.
func requireDelivered(t *testing.T, r *hostRun, broker string, ids []string, kcatArgs ...string) {
	t.Helper()
	r.requireAllOK(t, 1, 1, len(ids))
	got := readIDs(t, broker, "e2e.s3", kcatArgs...)
	if missing, extra := sameMultiset(ids, got); len(missing)+len(extra) > 0 {
		t.Errorf("records: missing %q, extra %q", missing, extra)
	}
}

// requireRefused checks a run against a broker the plugin must not (or
// cannot) talk to: init succeeds (the plugin connects lazily), every
// attempt answers FLB_RETRY (the chunk is kept, never dropped, never
// acknowledged), nothing is stored, and the plugin logged the failure with
// a cause containing one of causes and the broker's address. It returns
// the plugin's error/warning lines.
func requireRefused(t *testing.T, r *hostRun, c *kafkatest.Cluster, broker string, causes ...string) []string {
	t.Helper()
	dump := fmt.Sprintf("\nstdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	if inits := r.Find("init"); len(inits) != 1 || inits[0].Fields["rc"] != "1" {
		t.Fatalf("init %v: want rc=1 (the plugin connects lazily)%s", inits, dump)
	}
	attempts := r.Find("attempt")
	if len(attempts) == 0 {
		t.Fatalf("no flush attempt%s", dump)
	}
	for _, l := range attempts {
		if l.Fields["rc"] != "2" {
			t.Errorf("attempt %v: want rc=2 (FLB_RETRY): the broker cannot be used", l.Fields)
		}
	}
	if ok, _, _ := r.summary(t); ok != 0 || r.Code != 1 {
		t.Errorf("summary ok=%d exit %d, want ok=0 exit 1%s", ok, r.Code, dump)
	}
	// The broker stored nothing (franz-go reads it with the cluster's
	// ClientOpts: the TLS or SASL settings that do work).
	if msgs := c.Consume(t, "e2e.s3"); len(msgs) != 0 {
		t.Errorf("%d records stored by a broker the plugin should not have written to", len(msgs))
	}
	var problems []string
	for _, line := range strings.Split(r.Stderr, "\n") {
		if strings.Contains(line, "[output:awsaudit:") && (strings.Contains(line, "[error]") || strings.Contains(line, "[ warn]")) {
			problems = append(problems, line)
		}
	}
	if len(problems) == 0 {
		t.Fatalf("the plugin logged no warning or error about the failure%s", dump)
	}
	all := strings.ToLower(strings.Join(problems, "\n"))
	var named bool
	for _, cause := range causes {
		if strings.Contains(all, strings.ToLower(cause)) {
			named = true
		}
	}
	if !named {
		t.Errorf("the plugin's messages do not say why (want one of %q):\n%s", causes, strings.Join(problems, "\n"))
	}
	if !strings.Contains(all, broker) {
		t.Errorf("the plugin's messages do not name the broker %s:\n%s", broker, strings.Join(problems, "\n"))
	}
	return problems
}

func TestE2ETLS(t *testing.T) {
	kcatBin(t)
	dir := t.TempDir()
	ca := newTestCA(t, dir, "awsaudit-test-ca")
	rogue := newTestCA(t, dir, "rogue-ca")
	server := ca.issue(t, dir, "broker", false, localhostIP, []string{"localhost"})
	rogueServer := rogue.issue(t, dir, "rogue-broker", false, localhostIP, []string{"localhost"})
	wrongName := ca.issue(t, dir, "wrong-name", false, nil, []string{"kafka.example.com"})
	clientCA := newTestCA(t, dir, "client-ca")
	client := clientCA.issue(t, dir, "fluent-bit", true, nil, nil)

	serverTLS := func(s issued, mutual bool) *tls.Config {
		c := &tls.Config{Certificates: []tls.Certificate{s.pair}, MinVersion: tls.VersionTLS12}
		if mutual {
			pool := x509.NewCertPool()
			pool.AddCert(clientCA.cert)
			c.ClientAuth, c.ClientCAs = tls.RequireAndVerifyClientCert, pool
		}
		return c
	}
	cluster := func(t *testing.T, c *tls.Config) (*kafkatest.Cluster, string) {
		k := kafkatest.NewWith(t, kfake.Ports(0), kfake.TLS(c), kfake.SeedTopics(3, "e2e.s3", "e2e.dlq"))
		return k, k.Brokers()[0]
	}
	run := func(t *testing.T, broker, path, props string) *hostRun {
		return e2eRunHost(t, nil,
			"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=3s,Log_Level=debug,Kafka.TLS=on"+props,
			"--retry-max", "1", "--retry-wait-ms", "100", "-l", path, "-n", "100")
	}

	// The CA in Kafka.TLS.CA_File verifies the broker's certificate for
	// 127.0.0.1 (IP SAN).
	t.Run("ca_file", func(t *testing.T) {
		_, broker := cluster(t, serverTLS(server, false))
		path, ids := secInput(t, 40, "TLSCA", "0ddba11")
		r := run(t, broker, path, ",Kafka.TLS.CA_File="+ca.pemPath)
		requireDelivered(t, r, broker, ids, kcatTLS(ca.pemPath, nil)...)
	})

	// The broker requires a client certificate signed by its client CA:
	// with Cert_File/Key_File the plugin is let in.
	t.Run("client_certificate", func(t *testing.T) {
		_, broker := cluster(t, serverTLS(server, true))
		path, ids := secInput(t, 40, "TLSMUT", "0ddba11")
		r := run(t, broker, path, ",Kafka.TLS.CA_File="+ca.pemPath+
			",Kafka.TLS.Cert_File="+client.certPath+",Kafka.TLS.Key_File="+client.keyPath)
		requireDelivered(t, r, broker, ids, kcatTLS(ca.pemPath, &client)...)
	})

	// ... and without one it is not.
	t.Run("client_certificate_missing", func(t *testing.T) {
		c, broker := cluster(t, serverTLS(server, true))
		c.ClientOpts = []kgoOpt{kgoTLS(t, &tls.Config{RootCAs: pool(ca.cert), Certificates: []tls.Certificate{client.pair}})}
		path, _ := secInput(t, 10, "TLSNOC", "0ddba11")
		r := run(t, broker, path, ",Kafka.TLS.CA_File="+ca.pemPath)
		lines := requireRefused(t, r, c, broker, "certificate", "tls", "handshake", "EOF", "reset", "broken pipe")
		t.Logf("without a client certificate:\n%s", strings.Join(lines, "\n"))
	})

	// A broker whose certificate no trusted CA signed is refused while
	// Kafka.TLS.Verify is on (the default)...
	t.Run("untrusted_verify_on", func(t *testing.T) {
		c, broker := cluster(t, serverTLS(rogueServer, false))
		c.ClientOpts = []kgoOpt{kgoTLS(t, &tls.Config{RootCAs: pool(rogue.cert)})}
		path, _ := secInput(t, 10, "TLSUNT", "0ddba11")
		r := run(t, broker, path, ",Kafka.TLS.CA_File="+ca.pemPath)
		lines := requireRefused(t, r, c, broker, "certificate", "x509")
		t.Logf("untrusted certificate:\n%s", strings.Join(lines, "\n"))
	})

	// ... and a trusted certificate for another host name too...
	t.Run("wrong_host_verify_on", func(t *testing.T) {
		c, broker := cluster(t, serverTLS(wrongName, false))
		c.ClientOpts = []kgoOpt{kgoTLS(t, &tls.Config{RootCAs: pool(ca.cert), ServerName: "kafka.example.com"})}
		path, _ := secInput(t, 10, "TLSNAM", "0ddba11")
		r := run(t, broker, path, ",Kafka.TLS.CA_File="+ca.pemPath)
		lines := requireRefused(t, r, c, broker, "certificate", "x509")
		t.Logf("certificate for another name:\n%s", strings.Join(lines, "\n"))
	})

	// ... but accepted when the user turned verification off on purpose.
	t.Run("untrusted_verify_off", func(t *testing.T) {
		_, broker := cluster(t, serverTLS(rogueServer, false))
		path, ids := secInput(t, 40, "TLSOFF", "0ddba11")
		r := run(t, broker, path, ",Kafka.TLS.CA_File="+ca.pemPath+",Kafka.TLS.Verify=off")
		requireDelivered(t, r, broker, ids, kcatTLS(rogue.pemPath, nil)...)
		if !strings.Contains(strings.ToLower(r.Stderr), "verif") {
			t.Logf("note: nothing in the log says that certificate verification is off:\n%s", r.Stderr)
		}
	})

	// A plaintext client against the TLS listener fails (no silent
	// downgrade, no hang beyond Write_Timeout).
	t.Run("plaintext_client", func(t *testing.T) {
		c, broker := cluster(t, serverTLS(server, false))
		c.ClientOpts = []kgoOpt{kgoTLS(t, &tls.Config{RootCAs: pool(ca.cert)})}
		path, _ := secInput(t, 10, "TLSPLN", "0ddba11")
		r := e2eRunHost(t, nil,
			"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=2s",
			"--retry-max", "1", "--retry-wait-ms", "100", "-l", path, "-n", "100")
		lines := requireRefused(t, r, c, broker, "EOF", "reset", "timeout", "deadline", "broken pipe", "tls")
		t.Logf("plaintext client on a TLS listener:\n%s", strings.Join(lines, "\n"))
	})
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// saslUser is the account the SASL tests give the broker.
const saslUser = "audit-writer"

// kafkaAuthFailures makes kfake answer a failed SASL authentication the way
// Kafka does while armed: a SaslAuthenticate response with error 58
// (SASL_AUTHENTICATION_FAILED) and Kafka's message, where kfake itself
// closes the connection without an answer. Every final authentication
// message is answered so (the PLAIN message; the SCRAM client-final
// message, "c=..."), so arm it only while the client has a wrong password.
func kafkaAuthFailures(c *kafkatest.Cluster, mech string) (armed *atomic.Bool, hits *atomic.Int64) {
	armed, hits = &atomic.Bool{}, &atomic.Int64{}
	armed.Store(true)
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req := kreq.(*kmsg.SASLAuthenticateRequest)
		if !armed.Load() || mech != "PLAIN" && !bytes.HasPrefix(req.SASLAuthBytes, []byte("c=")) {
			return nil, nil, false
		}
		c.KeepControl()
		hits.Add(1)
		resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		msg := "Authentication failed: Invalid username or password" // Kafka's PlainSaslServer
		if mech != "PLAIN" {
			msg = "Authentication failed during authentication due to invalid credentials with SASL mechanism " + mech
		}
		resp.ErrorMessage = &msg
		return resp, nil, true
	})
	return armed, hits
}

// readIDsFranz reads topic back with franz-go (the cluster's ClientOpts
// carry the SASL credentials). kcat cannot read a SASL kfake: librdkafka
// 2.0 wants SaslHandshake v0 advertised before it authenticates, and kfake
// advertises v1 only.
func readIDsFranz(t *testing.T, c *kafkatest.Cluster, topic string) []string {
	t.Helper()
	var ids []string
	for _, m := range c.Consume(t, topic) {
		var rec e2eRecord
		if err := json.Unmarshal(m.Value, &rec); err != nil {
			t.Fatalf("%s[%d]@%d is not JSON: %v", m.Topic, m.Partition, m.Offset, err)
		}
		if rec.Source != "s3_access" || m.Headers["source"] != "s3_access" || rec.Request == nil {
			t.Fatalf("%s[%d]@%d is not a unified access-log record: %s", m.Topic, m.Partition, m.Offset, m.Value)
		}
		ids = append(ids, rec.Request.ID)
	}
	return ids
}

func TestE2ESASL(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		// Distinct per mechanism, and unlike anything else in the output.
		password := "Pw-" + strings.ReplaceAll(mech, "-", "") + "-7f3a9c1e5b"
		wrong := "Wrong-" + strings.ReplaceAll(mech, "-", "") + "-2d8e4b6a0c"
		cluster := func(t *testing.T) (*kafkatest.Cluster, string) {
			c := kafkatest.NewWith(t, kfake.Ports(0), kfake.EnableSASL(), kfake.Superuser(mech, saslUser, password),
				kfake.SeedTopics(3, "e2e.s3", "e2e.dlq"))
			c.ClientOpts = []kgoOpt{kgoSASL(t, mech, saslUser, password)}
			return c, c.Brokers()[0]
		}

		t.Run(mech, func(t *testing.T) {
			c, broker := cluster(t)
			path, ids := secInput(t, 40, "SASL"+mech[:5], "0ddba11")
			r := e2eRunHost(t, nil,
				"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Log_Level=debug,SASL_Mechanism="+mech+",SASL_Username="+saslUser,
				"-o", "SASL_Password="+password,
				"--retry-max", "1", "--retry-wait-ms", "100", "-l", path, "-n", "100")
			r.requireAllOK(t, 1, 1, len(ids))
			if missing, extra := sameMultiset(ids, readIDsFranz(t, c, "e2e.s3")); len(missing)+len(extra) > 0 {
				t.Errorf("records: missing %q, extra %q", missing, extra)
			}
			requireNoSecret(t, r, password)
		})

		// A wrong password fails every attempt (FLB_RETRY: an operator
		// can fix the credentials) with a message that says so and names
		// the broker, and neither password is ever printed.
		t.Run(mech+"_wrong_password", func(t *testing.T) {
			c, broker := cluster(t)
			armed, hits := kafkaAuthFailures(c, mech)
			path, _ := secInput(t, 10, "SASLW", "0ddba11")
			r := e2eRunHost(t, nil,
				"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Write_Timeout=3s,Log_Level=debug,SASL_Mechanism="+mech+",SASL_Username="+saslUser,
				"-o", "SASL_Password="+wrong,
				"--retry-max", "1", "--retry-wait-ms", "100", "-l", path, "-n", "100")
			armed.Store(false)
			if hits.Load() == 0 {
				t.Errorf("the plugin never completed a SASL exchange with the wrong password")
			}
			requireNoSecret(t, r, wrong, password)
			lines := requireRefused(t, r, c, broker, "sasl", "authenticat")
			t.Logf("wrong %s password (%d failed authentications):\n%s", mech, hits.Load(), strings.Join(lines, "\n"))
		})
	}

	// SASL over TLS (SASL_SSL), the usual production setup.
	t.Run("SCRAM-SHA-512_over_TLS", func(t *testing.T) {
		const mech, password = "SCRAM-SHA-512", "Pw-over-TLS-91c2e7d4"
		dir := t.TempDir()
		ca := newTestCA(t, dir, "sasl-ssl-ca")
		server := ca.issue(t, dir, "broker", false, localhostIP, nil)
		c := kafkatest.NewWith(t, kfake.Ports(0), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{server.pair}}),
			kfake.EnableSASL(), kfake.Superuser(mech, saslUser, password), kfake.SeedTopics(3, "e2e.s3", "e2e.dlq"))
		c.ClientOpts = []kgoOpt{kgoTLS(t, &tls.Config{RootCAs: pool(ca.cert)}), kgoSASL(t, mech, saslUser, password)}
		broker := c.Brokers()[0]
		path, ids := secInput(t, 40, "SASLTLS", "0ddba11")
		r := e2eRunHost(t, nil,
			"-i", "Brokers="+broker+",Topic=e2e.s3,DLQ_Topic=e2e.dlq,Log_Level=debug,Kafka.TLS=on,Kafka.TLS.CA_File="+ca.pemPath+
				",SASL_Mechanism="+mech+",SASL_Username="+saslUser,
			"-o", "SASL_Password="+password,
			"--retry-max", "1", "--retry-wait-ms", "100", "-l", path, "-n", "100")
		r.requireAllOK(t, 1, 1, len(ids))
		if missing, extra := sameMultiset(ids, readIDsFranz(t, c, "e2e.s3")); len(missing)+len(extra) > 0 {
			t.Errorf("records: missing %q, extra %q", missing, extra)
		}
		requireNoSecret(t, r, password)
	})
}

// requireNoSecret fails when any secret appears in the host's stdout or
// stderr (the plugin's log included).
func requireNoSecret(t *testing.T, r *hostRun, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for name, out := range map[string]string{"stdout": r.Stdout, "stderr": r.Stderr} {
			if i := strings.Index(out, s); i >= 0 {
				lo, hi := max(0, i-200), min(len(out), i+len(s)+50)
				t.Errorf("secret %q printed on the host's %s: ...%s...", s, name, out[lo:hi])
			}
		}
	}
}

// kgoOpt is a franz-go client option (kafkatest.Cluster.ClientOpts): the
// refused runs check with franz-go, over TLS or SASL, that nothing was
// stored.
type kgoOpt = kgo.Opt

func kgoTLS(t *testing.T, c *tls.Config) kgoOpt {
	t.Helper()
	c = c.Clone()
	if c.ServerName == "" {
		c.ServerName = "127.0.0.1"
	}
	return kgo.DialTLSConfig(c)
}

func kgoSASL(t *testing.T, mech, user, pass string) kgoOpt {
	t.Helper()
	switch mech {
	case "PLAIN":
		return kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism())
	case "SCRAM-SHA-256":
		return kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism())
	case "SCRAM-SHA-512":
		return kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism())
	}
	t.Fatalf("unknown SASL mechanism %s", mech)
	return nil
}
