//go:build linux

package container

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// listFilter is ListOptions.Filters, checked and compiled.
type listFilter struct {
	ids, labels, ancestors []string
	names                  []*regexp.Regexp
	status                 []Status
	exited                 []int
}

func compileFilters(m map[string][]string) (*listFilter, error) {
	f := &listFilter{}
	for key, values := range m {
		for _, v := range values {
			switch key {
			case "id":
				f.ids = append(f.ids, v)
			case "name":
				re, err := regexp.Compile(v)
				if err != nil {
					return nil, fmt.Errorf("invalid filter 'name=%s': %w", v, ErrInvalid)
				}
				f.names = append(f.names, re)
			case "label":
				f.labels = append(f.labels, v)
			case "ancestor":
				f.ancestors = append(f.ancestors, v)
			case "status":
				s := Status(v)
				if !slices.Contains([]Status{StatusCreated, StatusRunning, StatusExited, StatusRemoving, StatusDead, "paused", "restarting"}, s) {
					return nil, fmt.Errorf("invalid filter 'status=%s': %w", v, ErrInvalid)
				}
				f.status = append(f.status, s)
			case "exited":
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, fmt.Errorf("invalid filter 'exited=%s': %w", v, ErrInvalid)
				}
				f.exited = append(f.exited, n)
			default:
				return nil, fmt.Errorf("invalid filter '%s': %w", key, ErrInvalid)
			}
		}
	}
	return f, nil
}

func (f *listFilter) match(ctx context.Context, r *Runtime, info *Info) bool {
	if len(f.ids) > 0 && !slices.ContainsFunc(f.ids, func(id string) bool { return strings.HasPrefix(info.ID, id) }) {
		return false
	}
	name := strings.TrimPrefix(info.Name, "/")
	if len(f.names) > 0 && !slices.ContainsFunc(f.names, func(re *regexp.Regexp) bool { return re.MatchString(name) }) {
		return false
	}
	for _, l := range f.labels {
		k, v, hasValue := strings.Cut(l, "=")
		got, ok := info.Config.Labels[k]
		if !ok || (hasValue && got != v) {
			return false
		}
	}
	if len(f.status) > 0 && !slices.Contains(f.status, info.State.Status) {
		return false
	}
	if len(f.exited) > 0 && (info.State.Status != StatusExited || !slices.Contains(f.exited, info.State.ExitCode)) {
		return false
	}
	if len(f.ancestors) > 0 && !slices.ContainsFunc(f.ancestors, func(a string) bool { return r.isAncestor(ctx, a, info) }) {
		return false
	}
	return true
}

// isAncestor reports whether the image named ref is the container's image
// (docker also matches descendants; berth matches the image itself).
func (r *Runtime) isAncestor(ctx context.Context, ref string, info *Info) bool {
	if ref == info.ImageRef || strings.HasPrefix(strings.TrimPrefix(info.Image, "sha256:"), strings.TrimPrefix(ref, "sha256:")) {
		return true
	}
	images, err := r.imageStore(ctx)
	if err != nil {
		return false
	}
	img, err := images.Get(ctx, ref)
	return err == nil && img.ID.String() == info.Image
}
