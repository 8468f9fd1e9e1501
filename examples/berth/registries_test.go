//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRegistriesConfig(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    registriesConfig
		wantErr string
	}{
		{name: "empty object", input: `{}`},
		{
			name:  "daemon.json keys",
			input: `{"registry-mirrors": ["https://mirror.example"], "insecure-registries": ["10.0.0.0/8", "host:5000"]}`,
			want: registriesConfig{
				RegistryMirrors:    []string{"https://mirror.example"},
				InsecureRegistries: []string{"10.0.0.0/8", "host:5000"},
			},
		},
		{
			name:  "mirrors for other registries",
			input: `{"mirrors": {"quay.io": ["http://127.0.0.1:5001", "mirror:5000"]}}`,
			want:  registriesConfig{Mirrors: map[string][]string{"quay.io": {"http://127.0.0.1:5001", "mirror:5000"}}},
		},
		{name: "unknown key", input: `{"registry-mirror": ["x"]}`, wantErr: "unknown field"},
		{name: "wrong type", input: `{"registry-mirrors": "x"}`, wantErr: "cannot unmarshal"},
		{name: "empty mirror", input: `{"registry-mirrors": [""]}`, wantErr: "registry-mirrors: empty entry"},
		{name: "empty insecure", input: `{"insecure-registries": [" "]}`, wantErr: "insecure-registries: empty entry"},
		{name: "empty host", input: `{"mirrors": {"": ["m"]}}`, wantErr: "empty registry name"},
		{name: "empty host mirror", input: `{"mirrors": {"quay.io": [""]}}`, wantErr: "mirrors.quay.io: empty entry"},
		{name: "trailing data", input: `{} {}`, wantErr: "trailing data"},
		{name: "not json", input: `registry-mirrors=x`, wantErr: "invalid character"},
		{name: "empty input", input: ``, wantErr: "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRegistriesConfig(strings.NewReader(tt.input))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func FuzzParseRegistriesConfig(f *testing.F) {
	f.Add(`{"registry-mirrors": ["https://m"], "insecure-registries": ["10.0.0.0/8"], "mirrors": {"q.io": ["m"]}}`)
	f.Add(`{}`)
	f.Add(`{"mirrors": {"": [""]}}`)
	f.Fuzz(func(t *testing.T, input string) {
		cfg, err := parseRegistriesConfig(strings.NewReader(input))
		if err != nil {
			return
		}
		for _, v := range append(cfg.RegistryMirrors, cfg.InsecureRegistries...) {
			if strings.TrimSpace(v) == "" {
				t.Fatalf("accepted an empty entry from %q", input)
			}
		}
		for host, mirrors := range cfg.Mirrors {
			if strings.TrimSpace(host) == "" {
				t.Fatalf("accepted an empty registry name from %q", input)
			}
			for _, m := range mirrors {
				if strings.TrimSpace(m) == "" {
					t.Fatalf("accepted an empty mirror from %q", input)
				}
			}
		}
	})
}

func TestReadRegistriesConfigMissingFileIsEmpty(t *testing.T) {
	cfg, err := readRegistriesConfig(filepath.Join(t.TempDir(), registriesConfigFile))
	require.NoError(t, err)
	assert.Equal(t, registriesConfig{}, cfg)
}

func TestReadRegistriesConfigNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), registriesConfigFile)
	require.NoError(t, os.WriteFile(path, []byte(`{"bogus": 1}`), 0o644))
	_, err := readRegistriesConfig(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path)
}
