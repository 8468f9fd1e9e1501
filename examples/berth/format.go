//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
)

// tableFormatPrefix starts a --format that renders a table with headers.
const tableFormatPrefix = "table"

// rowFormat is a parsed docker-style --format: a Go template over one row,
// rendered as a tab-aligned table with a header line when the format starts
// with "table", as-is otherwise. "json" is shorthand for {{json .}}.
type rowFormat struct {
	template *template.Template
	table    bool
}

// parseRowFormat parses format, or defaultFormat when format is empty.
func parseRowFormat(format, defaultFormat string) (*rowFormat, error) {
	if format == "" {
		format = defaultFormat
	}
	text := format
	table := false
	switch {
	case strings.HasPrefix(text, tableFormatPrefix):
		table = true
		text = text[len(tableFormatPrefix):]
	case strings.TrimSpace(text) == "json":
		text = "{{json .}}"
	}
	text = strings.Trim(text, " ")
	text = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(text)
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	return &rowFormat{template: tmpl, table: table}, nil
}

// write renders header (a map from field name to column title, used for
// tables only) and rows to w.
func (f *rowFormat) write(w io.Writer, header map[string]string, rows []any) error {
	var buf bytes.Buffer
	if f.table {
		if err := f.template.Execute(&buf, header); err != nil {
			return fmt.Errorf("template: %w", err)
		}
		buf.WriteByte('\n')
	}
	for _, row := range rows {
		if err := f.template.Execute(&buf, row); err != nil {
			return fmt.Errorf("template: %w", err)
		}
		buf.WriteByte('\n')
	}
	if !f.table {
		_, err := w.Write(buf.Bytes())
		return err
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	if _, err := tw.Write(buf.Bytes()); err != nil {
		return err
	}
	return tw.Flush()
}

// templateFuncs are the functions docker offers in --format templates.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
		return strings.TrimSpace(buf.String()), nil
	},
	"split": strings.Split,
	"join":  strings.Join,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"pad": func(s string, before, after int) string {
		return strings.Repeat(" ", before) + s + strings.Repeat(" ", after)
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
}
