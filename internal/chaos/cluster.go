package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/quell-dev/quell/internal/childproc"
)

// Node is one nats-server of the cluster.
type Node struct {
	Name    string
	Port    int // client
	Monitor int // HTTP monitoring
	Route   int // cluster
	Proc    *childproc.Proc
}

// ClientURL is where clients connect to this node.
func (n *Node) ClientURL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.Port) }

// Cluster is a 3-node JetStream cluster on loopback.
type Cluster struct {
	Nodes []*Node
}

// URLs is every node's client URL, comma-separated (as nats.url takes it).
func (c *Cluster) URLs() string {
	var us []string
	for _, n := range c.Nodes {
		us = append(us, n.ClientURL())
	}
	return strings.Join(us, ",")
}

// Node returns the node named name, or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

func startCluster(ctx context.Context, runDir, bin string, procs *childproc.Procs) (*Cluster, error) {
	ports, err := childproc.FreePorts(9)
	if err != nil {
		return nil, err
	}
	c := &Cluster{}
	for i := range 3 {
		c.Nodes = append(c.Nodes, &Node{Name: fmt.Sprintf("n%d", i+1), Port: ports[3*i], Monitor: ports[3*i+1], Route: ports[3*i+2]})
	}
	for _, n := range c.Nodes {
		conf, err := c.writeConfig(runDir, n)
		if err != nil {
			return nil, err
		}
		n.Proc = procs.New("nats-"+n.Name, bin, []string{"-c", conf}, nil)
		if _, err := n.Proc.Start(); err != nil {
			return nil, err
		}
	}
	for _, n := range c.Nodes {
		if err := waitHTTP(ctx, n.healthURL(), 60*time.Second); err != nil {
			return nil, fmt.Errorf("nats %s: %w", n.Name, err)
		}
	}
	return c, nil
}

func (n *Node) healthURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/healthz", n.Monitor)
}

func (c *Cluster) writeConfig(runDir string, n *Node) (string, error) {
	var routes []string
	for _, o := range c.Nodes {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", o.Route))
	}
	store := filepath.Join(runDir, "nats", n.Name)
	conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream {
  store_dir: %q
  max_memory_store: 256MB
  max_file_store: 4GB
}
cluster {
  name: quell-chaos
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, n.Name, n.Port, n.Monitor, store, n.Route, strings.Join(routes, ", "))
	path := filepath.Join(runDir, "nats", n.Name+".conf")
	if err := os.MkdirAll(store, 0o700); err != nil {
		return "", err
	}
	return path, os.WriteFile(path, []byte(conf), 0o600)
}

// MetaLeader asks the nodes' monitoring endpoints which node leads the
// JetStream meta group.
func (c *Cluster) MetaLeader(ctx context.Context) string {
	for _, n := range c.Nodes {
		var jsz struct {
			Meta *struct {
				Leader string `json:"leader"`
			} `json:"meta_cluster"`
		}
		if getJSON(ctx, fmt.Sprintf("http://127.0.0.1:%d/jsz", n.Monitor), &jsz) == nil && jsz.Meta != nil && jsz.Meta.Leader != "" {
			return jsz.Meta.Leader
		}
	}
	return ""
}

// StreamLeader returns the node that leads stream, or "".
func StreamLeader(ctx context.Context, js jetstream.JetStream, stream string) string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return ""
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil {
		return ""
	}
	return info.Cluster.Leader
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := probe.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
