//go:build linux

package main

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// decimalUnits are the units of humanSize, as docker's go-units names them.
var decimalUnits = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}

// humanSize renders a byte count the way docker images and docker history
// do (go-units HumanSizeWithPrecision(size, 3)): decimal units and three
// significant digits, "4.26MB", "999B", "1.5kB".
func humanSize(size int64) string {
	value := float64(size)
	unit := 0
	for value >= 1000 && unit < len(decimalUnits)-1 {
		value /= 1000
		unit++
	}
	return fmt.Sprintf("%.*g%s", 3, value, decimalUnits[unit])
}

// humanDuration renders d the way docker does (go-units HumanDuration):
// "Less than a second", "About a minute", "3 hours", "2 weeks".
func humanDuration(d time.Duration) string {
	if seconds := int(d.Seconds()); seconds < 1 {
		return "Less than a second"
	} else if seconds == 1 {
		return "1 second"
	} else if seconds < 60 {
		return fmt.Sprintf("%d seconds", seconds)
	} else if minutes := int(d.Minutes()); minutes == 1 {
		return "About a minute"
	} else if minutes < 60 {
		return fmt.Sprintf("%d minutes", minutes)
	} else if hours := int(d.Round(time.Hour).Hours()); hours == 1 {
		return "About an hour"
	} else if hours < 48 {
		return fmt.Sprintf("%d hours", hours)
	} else if hours < 24*7*2 {
		return fmt.Sprintf("%d days", hours/24)
	} else if hours < 24*30*2 {
		return fmt.Sprintf("%d weeks", hours/24/7)
	} else if hours < 24*365*2 {
		return fmt.Sprintf("%d months", hours/24/30)
	}
	return fmt.Sprintf("%d years", int(d.Hours())/24/365)
}

// createdSince is docker's CREATED column: "2 weeks ago", or "N/A" for an
// image without a creation time.
func createdSince(created, now time.Time) string {
	if created.IsZero() || created.Unix() <= 0 {
		return "N/A"
	}
	return humanDuration(now.Sub(created)) + " ago"
}

// ellipsis shortens s to at most width characters, the last being "…", as
// docker truncates descriptions and CREATED BY.
func ellipsis(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	if width <= 1 {
		return "…"
	}
	runes := []rune(s)
	return string(runes[:width-1]) + "…"
}

// shortID is the 12-hex-digit form of an image ID, as docker prints it.
func shortID(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}
