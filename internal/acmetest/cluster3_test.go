package acmetest

import (
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mcp/caddy-mcp/internal/pebble"
)

// clusterSize is how many TLS-terminating instances share one storage.
const clusterSize = 3

// clusterValidity is the lifetime of the cluster's certificates: short
// enough that renewal happens within the test. Pebble's ARI window for so
// short a lifetime spans all of it (RenewalInfoSimple clamps the ±24h window
// to [issued, expires]) and Caddy picks a random moment in it, so a renewal
// can come a second after issuance: no check may assume the first
// certificate is still the one served.
const clusterValidity = 12 * time.Second

// agreedCert waits until every node serves one and the same certificate in
// a single round of handshakes and returns it. A renewal landing between two
// handshakes makes a round disagree for the second or so the other nodes
// take to load it from storage (renew_interval 1s); that is the cluster
// working, not failing, so only a disagreement that outlasts several
// renewal cycles fails.
func agreedCert(t *testing.T, roots *x509.CertPool, nodes []*env) *x509.Certificate {
	t.Helper()
	var agreed *x509.Certificate
	eventually(t, 2*clusterValidity, "every instance serving the same certificate", func() error {
		var serials []string
		agreed = nil
		same := true
		for _, n := range nodes {
			leaf, err := handshake(roots, n.HTTPSPort, docsHost)
			if err != nil {
				return err
			}
			if agreed == nil {
				agreed = leaf
			} else if !sameCert(leaf, agreed) {
				same = false
			}
			serials = append(serials, fmt.Sprintf("%x", leaf.SerialNumber))
		}
		if !same {
			return fmt.Errorf("instances serve different certificates: %v", serials)
		}
		return nil
	})
	return agreed
}

// TestClusterSharedStorage runs three `caddy run` processes that terminate
// TLS for one name and share one file_system storage, against Pebble. It
// proves, for each challenge type on its own:
//   - one order for the whole cluster: the instance that takes the storage
//     lock orders, the others wait and load the certificate from storage;
//   - distributed challenge solving: Pebble's VA only ever reaches instance
//     0 (its ports are the ones the VA dials, as if a load balancer sent
//     the CA there), while instance 1 places the order; instance 0 answers
//     from the challenge data instance 1 put in storage;
//   - renewal by one instance is picked up by the others: with 12-second
//     certificates one instance renews, and every instance then serves the
//     renewed certificate without ordering its own.
func TestClusterSharedStorage(t *testing.T) {
	bin := buildCaddy(t)
	t.Run("http-01", func(t *testing.T) {
		clusterOfThree(t, bin, "disable_tlsalpn_challenge", "served key authentication")
	})
	t.Run("tls-alpn-01", func(t *testing.T) {
		clusterOfThree(t, bin, "disable_http_challenge", "served key authentication certificate")
	})
}

// clusterOfThree runs the scenario with the given cert_issuer acme option
// (which challenge to disable) and the log line of a served challenge.
func clusterOfThree(t *testing.T, bin, issuerOpt, servedMsg string) {
	logRuntime(t)
	dir := t.TempDir()
	var nodes [clusterSize]*env
	// The orderer's new-order request waits until the other two are
	// listening (the VA will dial instance 0) and blocked on the lock, so
	// they really contend and must take the certificate from storage.
	var gate sync.Once
	vaTarget := func() *env { return nodes[0] }
	nodes[0] = newEnv(t, pebble.Options{Validity: clusterValidity, BeforeNewOrder: func() {
		gate.Do(func() {
			deadline := time.Now().Add(20 * time.Second)
			for _, n := range []*env{nodes[0], nodes[2]} {
				for len(caddyLog(t, n.LogFile, "acquiring lock")) == 0 && time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
				}
			}
			for _, p := range []int{vaTarget().HTTPPort, vaTarget().HTTPSPort} {
				for time.Now().Before(deadline) {
					if c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
						c.Close()
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}})
	for i := range nodes {
		if i > 0 {
			n := *nodes[0]
			n.HTTPPort, n.HTTPSPort = freePort(t), freePort(t)
			nodes[i] = &n
		}
		nodes[i].LogFile = filepath.Join(dir, fmt.Sprintf("caddy-%d.log", i))
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, n := range nodes {
				if log, err := os.ReadFile(n.LogFile); err == nil {
					t.Logf("--- instance %d log ---\n%s", i, tail(string(log), 25))
				}
			}
		}
	})
	start := func(i int) {
		runCaddyProcess(t, bin, caddyfileData{env: nodes[i], RenewInterval: "1s",
			Issuer: issuerOpt, Sites: docsSite(docsHost)}.render(t))
	}
	// Instance 1 starts alone and takes the lock; then the others start.
	start(1)
	waitLog(t, nodes[1].LogFile, "lock acquired", 1, issueTimeout)
	start(0)
	start(2)

	roots := nodes[0].CA.IssuerPool()
	for _, n := range nodes {
		waitServedCert(t, roots, n.HTTPSPort, issueTimeout)
	}
	first := agreedCert(t, roots, nodes[:])
	// One order for the whole cluster. On a slow machine the first renewal
	// round (at 2/3 of the 12s lifetime) may already have begun, and each
	// round is one more order, so count the orders against the renewals
	// logged, waiting out an order whose renewal is still in flight.
	eventually(t, 10*time.Second, "one order for the cluster per issuance", func() error {
		renewed := 0
		for _, n := range nodes {
			renewed += len(caddyLog(t, n.LogFile, "certificate renewed successfully"))
		}
		if got := nodes[0].CA.Orders(); got != 1+renewed {
			return fmt.Errorf("orders = %d with %d renewals logged, want 1 for the whole cluster plus one per renewal", got, renewed)
		}
		return nil
	})
	for i, n := range nodes {
		want := 0
		if i == 1 {
			want = 1
		}
		if got := len(caddyLog(t, n.LogFile, "certificate obtained successfully")); got != want {
			t.Fatalf("instance %d obtained %d certificates, want %d", i, got, want)
		}
	}
	// The VA only reached instance 0, which never ordered: every challenge
	// it answered came from storage.
	served := caddyLog(t, nodes[0].LogFile, servedMsg)
	if len(served) == 0 {
		t.Fatalf("instance 0 never logged %q", servedMsg)
	}
	for _, s := range served {
		if s["distributed"] != true {
			t.Fatalf("instance 0 answered a challenge with distributed=%v, want true", s["distributed"])
		}
	}
	checkDocs(t, httpsClient(roots, true, true, nil), nodes[2].siteURL())

	// Renewal: wait until every instance serves one new certificate.
	eventually(t, 3*clusterValidity, "every instance serving the renewed certificate", func() error {
		var leaves [clusterSize]string
		for i, n := range nodes {
			leaf, err := handshake(roots, n.HTTPSPort, docsHost)
			if err != nil {
				return err
			}
			if sameCert(leaf, first) {
				return fmt.Errorf("instance %d still serves the first certificate", i)
			}
			leaves[i] = leaf.SerialNumber.String()
		}
		if leaves[0] != leaves[1] || leaves[1] != leaves[2] {
			return fmt.Errorf("instances serve different renewed certificates: %v", leaves)
		}
		return nil
	})
	// Every renewal was done once for the cluster: Pebble issued one
	// certificate per round, not one per instance. Rounds come at random
	// moments of each certificate's lifetime (see clusterValidity), so
	// there may be several.
	// A round in flight has its certificate issued before its success is
	// logged, so count until the two agree.
	var certs, renewals int
	eventually(t, 10*time.Second, "one issuance per renewal round", func() error {
		certs, renewals = nodes[0].CA.Certificates(), 0
		for _, n := range nodes {
			renewals += len(caddyLog(t, n.LogFile, "certificate renewed successfully"))
		}
		if renewals < 1 || certs != 1+renewals {
			return fmt.Errorf("renewals logged = %d, certificates issued = %d", renewals, certs)
		}
		return nil
	})
	pickedUp := 0
	for _, n := range nodes {
		if len(caddyLog(t, n.LogFile, "already renewed in storage"))+
			len(caddyLog(t, n.LogFile, "appears to have been renewed already")) > 0 {
			pickedUp++
		}
	}
	if pickedUp < clusterSize-1 {
		t.Fatalf("only %d instances logged loading the renewal from storage, want %d", pickedUp, clusterSize-1)
	}
	t.Logf("orders=%d certificates=%d renewals=%d picked up from storage=%d", nodes[0].CA.Orders(), certs, renewals, pickedUp)
}
