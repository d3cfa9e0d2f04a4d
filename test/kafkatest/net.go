package kafkatest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Net wraps kfake's listeners (kfake.ListenFn(n.Listen)) so a test can fail
// the network between the clients and a running cluster the ways a broker
// fails, while the cluster keeps every record it stored:
//
//   - Down: every connection is closed and new ones are accepted and
//     closed at once (a broker that drops clients); Up ends it.
//   - Kill: the listening sockets and every connection are closed, so a
//     connect is refused (a killed broker); Restart listens again on the
//     same ports.
//   - Hang: connections stay open and new ones are accepted, but nothing
//     read is handed to the broker and nothing is written back (a broker
//     stopped with SIGSTOP); Resume lets both through, requests received
//     meanwhile included.
//
// The zero value is not usable; call NewNet.
type Net struct {
	mu      sync.Mutex
	state   netState
	lns     []*netListener
	conns   map[*netConn]struct{}
	resumed chan struct{} // closed when a hang ends
	changed chan struct{} // closed and replaced at every change of state
	drops   atomic.Int64
}

type netState int

const (
	netUp netState = iota
	netDown
	netKilled
	netHung
)

// NewNet returns a Net that is up.
func NewNet() *Net {
	return &Net{conns: map[*netConn]struct{}{}, changed: make(chan struct{})}
}

// Listen is a kfake.ListenFn.
func (n *Net) Listen(network, address string) (net.Listener, error) {
	inner, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	l := &netListener{n: n, inner: inner, addr: inner.Addr()}
	n.mu.Lock()
	n.lns = append(n.lns, l)
	n.mu.Unlock()
	return l, nil
}

// Drops is how many connections Down and Kill closed or refused.
func (n *Net) Drops() int64 { return n.drops.Load() }

// Down closes every open connection and refuses new ones until Up.
func (n *Net) Down() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.setState(netDown)
	n.closeConns()
}

// Up accepts connections again after Down.
func (n *Net) Up() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state == netDown {
		n.setState(netUp)
	}
}

// Kill closes the listening sockets and every connection: until Restart,
// nothing listens on the brokers' ports.
func (n *Net) Kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.setState(netKilled)
	for _, l := range n.lns {
		if l.inner != nil {
			l.inner.Close()
			l.inner = nil
		}
	}
	n.closeConns()
}

// Restart listens again on the ports Kill closed. It retries for a while
// if a port is still in use.
func (n *Net) Restart() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != netKilled {
		return nil
	}
	for _, l := range n.lns {
		if l.closed || l.inner != nil {
			continue
		}
		var err error
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if l.inner, err = net.Listen(l.addr.Network(), l.addr.String()); err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("kafkatest: listening again on %s: %w", l.addr, err)
		}
	}
	n.setState(netUp)
	return nil
}

// Hang stops all traffic between the clients and the brokers, connections
// left open, until Resume.
func (n *Net) Hang() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state != netHung {
		n.resumed = make(chan struct{})
		n.setState(netHung)
	}
}

// Resume ends a Hang.
func (n *Net) Resume() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state == netHung {
		n.setState(netUp)
	}
}

// setState must be called with n.mu held.
func (n *Net) setState(s netState) {
	if n.state == netHung && s != netHung {
		close(n.resumed)
	}
	n.state = s
	close(n.changed)
	n.changed = make(chan struct{})
}

// closeConns must be called with n.mu held.
func (n *Net) closeConns() {
	for c := range n.conns {
		c.Conn.Close()
		n.drops.Add(1)
	}
	clear(n.conns)
}

// waitRunning blocks while the network hangs or until c is closed.
func (n *Net) waitRunning(c *netConn) {
	n.mu.Lock()
	if n.state != netHung {
		n.mu.Unlock()
		return
	}
	resumed := n.resumed
	n.mu.Unlock()
	select {
	case <-resumed:
	case <-c.closed:
	}
}

type netListener struct {
	n      *Net
	addr   net.Addr     // kept across Kill and Restart
	inner  net.Listener // nil while killed; guarded by n.mu
	closed bool         // by kfake; guarded by n.mu
}

func (l *netListener) Addr() net.Addr { return l.addr }

func (l *netListener) Close() error {
	n := l.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	close(n.changed) // wakes an Accept waiting for Restart
	n.changed = make(chan struct{})
	if l.inner != nil {
		return l.inner.Close()
	}
	return nil
}

// Accept waits through a Kill (kfake stops a broker whose Accept fails)
// and closes what arrives while the network is down.
func (l *netListener) Accept() (net.Conn, error) {
	n := l.n
	for {
		n.mu.Lock()
		inner, closed, changed := l.inner, l.closed, n.changed
		n.mu.Unlock()
		switch {
		case closed:
			return nil, net.ErrClosed
		case inner == nil:
			<-changed
			continue
		}
		c, err := inner.Accept()
		n.mu.Lock()
		if err != nil {
			// Kill closed the socket this Accept waited on: wait for
			// Restart rather than stop the broker.
			killed := !l.closed && l.inner != inner
			n.mu.Unlock()
			if killed {
				continue
			}
			return nil, err
		}
		if n.state == netDown || n.state == netKilled {
			n.mu.Unlock()
			c.Close()
			n.drops.Add(1)
			continue
		}
		nc := &netConn{Conn: c, n: n, closed: make(chan struct{})}
		n.conns[nc] = struct{}{}
		n.mu.Unlock()
		return nc, nil
	}
}

type netConn struct {
	net.Conn
	n         *Net
	closed    chan struct{}
	closeOnce sync.Once
}

// Read hands over what arrived only once the network runs: a request that
// came in during a Hang reaches the broker after Resume.
func (c *netConn) Read(p []byte) (int, error) {
	k, err := c.Conn.Read(p)
	c.n.waitRunning(c)
	return k, err
}

func (c *netConn) Write(p []byte) (int, error) {
	c.n.waitRunning(c)
	return c.Conn.Write(p)
}

func (c *netConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	c.n.mu.Lock()
	delete(c.n.conns, c)
	c.n.mu.Unlock()
	return c.Conn.Close()
}
