package conf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLSConfig builds the client TLS configuration for the Kafka connection, or
// returns nil when Kafka.TLS is off. ServerName is left empty: kafka-go fills
// it per broker from the address it dials.
func (c Config) TLSConfig() (*tls.Config, error) {
	cfg, errs := c.buildTLS()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cfg, nil
}

// buildTLS returns one *KeyError per unusable file so Parse can report the
// CA and the client pair problems together.
func (c Config) buildTLS() (*tls.Config, []error) {
	if !c.TLS {
		return nil, nil
	}
	var errs []error
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Only when the user turned Kafka.TLS.Verify off on purpose.
		InsecureSkipVerify: !c.TLSVerify,
	}
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			errs = append(errs, &KeyError{Key: keyTLSCAFile, Err: fmt.Errorf("cannot read %q: %w", c.TLSCAFile, err)})
		case !pool.AppendCertsFromPEM(pem):
			errs = append(errs, &KeyError{Key: keyTLSCAFile, Err: fmt.Errorf("%q holds no PEM certificate", c.TLSCAFile)})
		default:
			cfg.RootCAs = pool
		}
	}
	if c.TLSCertFile != "" || c.TLSKeyFile != "" {
		pair, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			errs = append(errs, &KeyError{Key: keyTLSCertFile, Err: fmt.Errorf("cannot load certificate %q with key %q: %w", c.TLSCertFile, c.TLSKeyFile, err)})
		} else {
			cfg.Certificates = []tls.Certificate{pair}
		}
	}
	return cfg, errs
}
