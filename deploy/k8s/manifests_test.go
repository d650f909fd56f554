package k8s

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// object is the part of a Kubernetes object these tests read.
type object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas    int    `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
		Selector    struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []container `yaml:"containers"`
				Volumes    []struct {
					Name   string `yaml:"name"`
					Secret *struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		Ports []struct {
			Name       string `yaml:"name"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	StartupProbe   *probe `yaml:"startupProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

// parseAll parses every YAML and JSON file under the directories, every document of
// each, and returns the objects with the file they came from.
func parseAll(t *testing.T, dirs ...string) map[string][]object {
	t.Helper()
	out := map[string][]object{}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(path) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			dec := yaml.NewDecoder(bytes.NewReader(data))
			for i := 0; ; i++ {
				var o object
				err := dec.Decode(&o)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Errorf("%s: document %d: %v", path, i+1, err)
					break
				}
				if o.APIVersion == "" || o.Kind == "" {
					t.Errorf("%s: document %d has no apiVersion or kind", path, i+1)
				}
				out[path] = append(out[path], o)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestManifestsParse(t *testing.T) {
	files := parseAll(t, ".", "../emqx")
	for _, want := range []string{"statefulset.yaml", "service.yaml", "pdb.yaml", "kustomization.yaml", "secrets.example.yaml",
		"../emqx/emqx-cluster.yaml", "../emqx/kustomization.yaml"} {
		if len(files[filepath.Clean(want)]) == 0 {
			t.Errorf("%s: missing or empty", want)
		}
	}
}

// The cloud's workload: probes on GET /healthz of the port serve listens on, the
// shared-subscription group, a client id per replica, Secrets mounted read-only.
func TestCloudReplicas(t *testing.T) {
	files := parseAll(t, ".")
	var sts *object
	for _, o := range files["statefulset.yaml"] {
		if o.Kind == "StatefulSet" && o.Metadata.Name == "lotsense-cloud" {
			sts = &o
		}
	}
	if sts == nil {
		t.Fatal("statefulset.yaml has no StatefulSet lotsense-cloud")
	}
	if sts.Spec.Replicas != 3 || sts.Spec.ServiceName != "lotsense-cloud-pods" {
		t.Errorf("replicas %d, service %q; want 3 and lotsense-cloud-pods", sts.Spec.Replicas, sts.Spec.ServiceName)
	}
	labels := sts.Spec.Template.Metadata.Labels
	for k, v := range sts.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("selector %s=%s does not match the pod labels %v", k, v, labels)
		}
	}
	c := sts.Spec.Template.Spec.Containers[0]
	args := c.Args
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %v do not start with serve", args)
	}
	flag := func(name string) string {
		i := slices.Index(args, name)
		if i < 0 || i+1 >= len(args) {
			t.Errorf("args %v lack %s VALUE", args, name)
			return ""
		}
		return args[i+1]
	}
	if g := flag("-group"); g == "" || strings.HasPrefix(g, "-") {
		t.Errorf("-group %q", g)
	}
	if id := flag("-client-id"); id != "$(POD_NAME)" {
		t.Errorf("-client-id %q: each replica needs its own, stable session", id)
	}
	if db := flag("-trace-db"); db != "$(TRACE_DB_URL)" {
		t.Errorf("-trace-db %q: the URL holds a password and comes from a Secret", db)
	}
	if b := flag("-broker"); !strings.HasPrefix(b, "ssl://") {
		t.Errorf("-broker %q: want TLS", b)
	}
	httpAddr := flag("-http")
	var httpPort string
	for _, p := range c.Ports {
		if p.Name == "http" {
			httpPort = ":" + strconv.Itoa(p.ContainerPort)
		}
	}
	if httpPort == "" || !strings.HasSuffix(httpAddr, httpPort) || !strings.HasPrefix(httpAddr, "0.0.0.0:") {
		t.Errorf("-http %q and the container port http %q differ, or serve listens on loopback only", httpAddr, httpPort)
	}
	for name, p := range map[string]*probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" || p.HTTPGet.Port != "http" {
			t.Errorf("%s probe %+v: want httpGet /healthz on port http", name, p)
		}
	}
	secretVolumes := map[string]bool{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			secretVolumes[v.Name] = true
		}
	}
	mounted := 0
	for _, m := range c.VolumeMounts {
		if secretVolumes[m.Name] {
			mounted++
			if !m.ReadOnly {
				t.Errorf("secret volume %s mounted writable", m.Name)
			}
		}
	}
	if mounted < 2 {
		t.Errorf("%d secret volumes mounted as files, want the InfluxDB token and the MQTT identity", mounted)
	}
	if f := flag("-influx-token-file"); !strings.HasPrefix(f, "/etc/lotsense/influx/") {
		t.Errorf("-influx-token-file %q is not in the mounted Secret", f)
	}
	checkServices(t, files, labels)
}

func checkServices(t *testing.T, files map[string][]object, podLabels map[string]string) {
	t.Helper()
	var kinds []string
	for _, name := range []string{"service.yaml", "pdb.yaml"} {
		for _, o := range files[name] {
			kinds = append(kinds, o.Kind)
			sel := o.Spec.Selector.MatchLabels
			if o.Kind == "Service" {
				// A Service's selector is a plain map; decode it again.
				var svc struct {
					Spec struct {
						Selector map[string]string `yaml:"selector"`
					} `yaml:"spec"`
				}
				reparse(t, name, o.Metadata.Name, &svc)
				sel = svc.Spec.Selector
				for _, p := range o.Spec.Ports {
					if p.TargetPort != "http" {
						t.Errorf("service %s port %s targets %v, want http", o.Metadata.Name, p.Name, p.TargetPort)
					}
				}
			}
			if len(sel) == 0 {
				t.Errorf("%s %s selects nothing", o.Kind, o.Metadata.Name)
			}
			for k, v := range sel {
				if podLabels[k] != v {
					t.Errorf("%s %s selects %s=%s, the pods are %v", o.Kind, o.Metadata.Name, k, v, podLabels)
				}
			}
		}
	}
	if !slices.Contains(kinds, "Service") || !slices.Contains(kinds, "PodDisruptionBudget") {
		t.Errorf("kinds %v: want a Service and a PodDisruptionBudget", kinds)
	}
}

// reparse decodes the document of file whose metadata.name is name into v.
func reparse(t *testing.T, file, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			t.Fatalf("%s: no document named %s", file, name)
		}
		var meta struct {
			Metadata struct{ Name string } `yaml:"metadata"`
		}
		if n.Decode(&meta) == nil && meta.Metadata.Name == name {
			if err := n.Decode(v); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
}

// deploy/emqx: the settings issue 10 asks for, and the same ACL as deploy/mosquitto.
func TestEMQXConfig(t *testing.T) {
	conf, err := os.ReadFile("../emqx/emqx.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"discovery_strategy = dns", "shared_subscription_strategy = hash_topic", "peer_cert_as_username = cn",
		"verify = verify_peer", "fail_if_no_peer_cert = true", "zones.cloud", "max_mqueue_len = 1000000",
		"no_match = deny", `path = "/opt/emqx/etc/lotsense/acl.conf"`,
	} {
		if !bytes.Contains(conf, []byte(want)) {
			t.Errorf("emqx.conf lacks %q", want)
		}
	}
	if n := bytes.Count(conf, []byte("{")); n != bytes.Count(conf, []byte("}")) {
		t.Errorf("emqx.conf: %d '{' and %d '}'", n, bytes.Count(conf, []byte("}")))
	}
	acl, err := os.ReadFile("../emqx/acl.conf")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../mosquitto/acl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || (fields[0] != "pattern" && fields[0] != "topic") {
			continue
		}
		rules++
		topic := strings.ReplaceAll(fields[2], "%u", "${username}")
		if !bytes.Contains(acl, []byte(`["`+topic+`"]`)) {
			t.Errorf("deploy/mosquitto/acl allows %s %s; deploy/emqx/acl.conf has no rule for %s", fields[1], fields[2], topic)
		}
	}
	if rules < 10 || !bytes.Contains(acl, []byte("{deny, all}.")) {
		t.Errorf("%d rules compared; acl.conf must end by refusing the rest", rules)
	}
}
