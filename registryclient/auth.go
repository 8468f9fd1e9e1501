package registryclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	dockerconfig "github.com/docker/cli/cli/config"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// configFileName is docker's credentials file inside the config dir.
const configFileName = "config.json"

// dockerHubAuthKey is the key docker uses for Docker Hub in config.json.
const dockerHubAuthKey = authn.DefaultAuthKey // "https://index.docker.io/v1/"

// staticKeychain serves WithCredentials: registry host -> credentials.
type staticKeychain map[string]authn.AuthConfig

func (k staticKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if cfg, ok := k[target.RegistryStr()]; ok {
		return authn.FromConfig(cfg), nil
	}
	return authn.Anonymous, nil
}

// configKeychain reads credentials from dir/config.json (and the credential
// helpers it names), with the same key lookup as authn.DefaultKeychain.
type configKeychain struct{ dir string }

func (k *configKeychain) Resolve(target authn.Resource) (authn.Authenticator, error) {
	if _, err := os.Stat(filepath.Join(k.dir, configFileName)); err != nil {
		return authn.Anonymous, nil
	}
	cf, err := dockerconfig.Load(k.dir)
	if err != nil {
		return nil, fmt.Errorf("read docker config in %s: %w", k.dir, err)
	}
	for _, key := range []string{target.String(), target.RegistryStr()} {
		if key == name.DefaultRegistry {
			key = dockerHubAuthKey
		}
		cfg, err := cf.GetAuthConfig(key)
		if err != nil {
			return nil, fmt.Errorf("credentials for %s: %w", key, err)
		}
		if cfg.Username != "" || cfg.Password != "" || cfg.Auth != "" || cfg.IdentityToken != "" || cfg.RegistryToken != "" {
			return authn.FromConfig(authn.AuthConfig{
				Username:      cfg.Username,
				Password:      cfg.Password,
				Auth:          cfg.Auth,
				IdentityToken: cfg.IdentityToken,
				RegistryToken: cfg.RegistryToken,
			}), nil
		}
	}
	return authn.Anonymous, nil
}

// loginKey is the config.json key docker uses for server: Docker Hub's is
// "https://index.docker.io/v1/", others are the bare host ("host:5000").
func loginKey(server string) (key, host string) {
	host = registryHost(server)
	if host == name.DefaultRegistry {
		return dockerHubAuthKey, host
	}
	return host, host
}

// Login verifies username/password against server, then stores them in the
// docker config (or its credential helper). server "" means Docker Hub.
// Wrong credentials are ErrUnauthorized and nothing is written.
func (r *Registry) Login(ctx context.Context, server, username, password string) error {
	key, host := loginKey(server)
	if err := r.checkLogin(ctx, host, username, password); err != nil {
		return fmt.Errorf("login to %s: %w", host, err)
	}
	if err := r.storeCredentials(key, username, password); err != nil {
		return fmt.Errorf("login to %s: store credentials: %w", host, err)
	}
	return nil
}

// checkLogin does the registry handshake with the credentials (basic or
// bearer, as the registry asks) and then GETs /v2/ with them.
func (r *Registry) checkLogin(ctx context.Context, host, username, password string) error {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return &ReferenceError{Input: host, Part: "registry", Reason: err.Error()}
	}
	reg = r.policyRegistry(reg)
	auth := authn.FromConfig(authn.AuthConfig{Username: username, Password: password})
	t, err := transport.NewWithContext(ctx, reg, auth, r.retryTransport(), nil)
	if err != nil {
		return classify(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: t}).Do(req)
	if err != nil {
		return classify(err)
	}
	defer resp.Body.Close()
	return classify(transport.CheckError(resp, http.StatusOK))
}

// Logout removes stored credentials for server. Not logged in is ErrNotFound.
func (r *Registry) Logout(ctx context.Context, server string) error {
	key, host := loginKey(server)
	if err := r.eraseCredentials(ctx, key); err != nil {
		return fmt.Errorf("logout from %s: %w", host, err)
	}
	return nil
}

// dockerConfig is config.json kept as raw JSON so that every key berth
// does not know survives a rewrite.
type dockerConfig struct {
	path   string
	fields map[string]json.RawMessage
	auths  map[string]json.RawMessage
}

func readDockerConfig(dir string) (*dockerConfig, error) {
	c := &dockerConfig{path: filepath.Join(dir, configFileName), fields: map[string]json.RawMessage{}, auths: map[string]json.RawMessage{}}
	data, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return c, nil
	}
	if err := json.Unmarshal(data, &c.fields); err != nil {
		return nil, fmt.Errorf("parse %s: %w", c.path, err)
	}
	if raw, ok := c.fields["auths"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &c.auths); err != nil {
			return nil, fmt.Errorf("parse %s: auths: %w", c.path, err)
		}
	}
	return c, nil
}

// helperFor returns the credential helper docker would use for key: the
// credHelpers entry for the host, else credsStore; "" for the file.
func (c *dockerConfig) helperFor(key string) string {
	var helpers map[string]string
	if raw, ok := c.fields["credHelpers"]; ok {
		_ = json.Unmarshal(raw, &helpers)
	}
	if h := helpers[key]; h != "" {
		return h
	}
	if h := helpers[registryHost(key)]; h != "" {
		return h
	}
	var store string
	if raw, ok := c.fields["credsStore"]; ok {
		_ = json.Unmarshal(raw, &store)
	}
	return store
}

// save writes the file atomically: temp file in the same dir, fsync,
// rename, mode 0600.
func (c *dockerConfig) save() error {
	auths, err := json.Marshal(c.auths)
	if err != nil {
		return err
	}
	c.fields["auths"] = auths
	data, err := json.MarshalIndent(c.fields, "", "\t")
	if err != nil {
		return err
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".config.json.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path)
}

func (r *Registry) storeCredentials(key, username, password string) error {
	cfg, err := readDockerConfig(r.settings.configDir)
	if err != nil {
		return err
	}
	if helper := cfg.helperFor(key); helper != "" {
		payload, _ := json.Marshal(map[string]string{"ServerURL": key, "Username": username, "Secret": password})
		return runCredentialHelper(context.Background(), helper, "store", payload)
	}
	entry, _ := json.Marshal(map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(username + ":" + password))})
	cfg.auths[key] = entry
	return cfg.save()
}

func (r *Registry) eraseCredentials(ctx context.Context, key string) error {
	cfg, err := readDockerConfig(r.settings.configDir)
	if err != nil {
		return err
	}
	_, inFile := cfg.auths[key]
	if helper := cfg.helperFor(key); helper != "" {
		if err := runCredentialHelper(ctx, helper, "erase", []byte(key)); err != nil {
			if !inFile {
				return err
			}
		}
	} else if !inFile {
		return fmt.Errorf("%w: not logged in to %s", ErrNotFound, key)
	}
	if inFile {
		delete(cfg.auths, key)
		return cfg.save()
	}
	return nil
}

// runCredentialHelper runs docker-credential-<helper> <action> with input
// on stdin, as docker does. A helper reporting missing credentials is
// ErrNotFound.
func runCredentialHelper(ctx context.Context, helper, action string, input []byte) error {
	cmd := exec.CommandContext(ctx, "docker-credential-"+helper, action)
	cmd.Stdin = bytes.NewReader(input)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if strings.Contains(msg, "credentials not found") {
			return fmt.Errorf("credential helper %s %s: %w: %s", helper, action, ErrNotFound, msg)
		}
		if msg != "" {
			return fmt.Errorf("credential helper %s %s: %s: %w", helper, action, msg, err)
		}
		return fmt.Errorf("credential helper %s %s: %w", helper, action, err)
	}
	_, _ = io.Copy(io.Discard, &out)
	return nil
}
