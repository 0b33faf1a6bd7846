// Package sources turns what senders POST into Quell's normalized events.
// Each source kind has a parser; a parser never publishes, it only returns
// the normalized alerts (one per alert in the payload) or an error that says
// which field paths it tried.
package sources
