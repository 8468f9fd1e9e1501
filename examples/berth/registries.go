//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// registriesConfigFile is the file under the root holding registry settings.
const registriesConfigFile = "registries.json"

// registriesConfig is <root>/registries.json: dockerd's daemon.json registry
// keys, plus mirrors for registries other than Docker Hub.
type registriesConfig struct {
	// RegistryMirrors are Docker Hub mirrors, tried in order before it.
	RegistryMirrors []string `json:"registry-mirrors"`
	// InsecureRegistries are hosts or CIDRs reached over plain HTTP or
	// unverified TLS.
	InsecureRegistries []string `json:"insecure-registries"`
	// Mirrors maps a registry host ("quay.io", "host:5000") to its mirrors.
	Mirrors map[string][]string `json:"mirrors"`
}

// parseRegistriesConfig reads a registries.json document. Unknown keys are
// refused, as dockerd refuses unknown daemon.json directives, so that a typo
// does not silently disable a mirror.
func parseRegistriesConfig(r io.Reader) (registriesConfig, error) {
	var cfg registriesConfig
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return registriesConfig{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return registriesConfig{}, errors.New("trailing data after the JSON object")
	}
	check := func(key string, values []string) error {
		for _, v := range values {
			if strings.TrimSpace(v) == "" {
				return fmt.Errorf("%s: empty entry", key)
			}
		}
		return nil
	}
	if err := check("registry-mirrors", cfg.RegistryMirrors); err != nil {
		return registriesConfig{}, err
	}
	if err := check("insecure-registries", cfg.InsecureRegistries); err != nil {
		return registriesConfig{}, err
	}
	for host, mirrors := range cfg.Mirrors {
		if strings.TrimSpace(host) == "" {
			return registriesConfig{}, errors.New("mirrors: empty registry name")
		}
		if err := check("mirrors."+host, mirrors); err != nil {
			return registriesConfig{}, err
		}
	}
	return cfg, nil
}

// readRegistriesConfig reads path; a missing file is an empty configuration.
func readRegistriesConfig(path string) (registriesConfig, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return registriesConfig{}, nil
	}
	if err != nil {
		return registriesConfig{}, fmt.Errorf("read registry configuration: %w", err)
	}
	defer f.Close()
	cfg, err := parseRegistriesConfig(f)
	if err != nil {
		return registriesConfig{}, fmt.Errorf("parse %s: %w", path, err)
	}
	return cfg, nil
}
