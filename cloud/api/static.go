package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// web holds the dashboard: plain HTML, CSS and JavaScript, no build step.
//
//go:embed web
var web embed.FS

// asset is one embedded file with its content-hash ETag.
type asset struct {
	name string
	data []byte
	etag string
}

// assets maps a file name (as in /assets/{name}) to the file.
type assets map[string]asset

// loadAssets reads the embedded files and computes their ETags once.
func loadAssets() (assets, error) {
	entries, err := fs.ReadDir(web, "web")
	if err != nil {
		return nil, fmt.Errorf("read embedded dashboard: %w", err)
	}
	out := make(assets, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(web, path.Join("web", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read embedded %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(data)
		out[e.Name()] = asset{name: e.Name(), data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	}
	if _, ok := out["index.html"]; !ok {
		return nil, fmt.Errorf("embedded dashboard has no index.html")
	}
	return out, nil
}

// serveIndex answers GET / with the dashboard page.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	s.assets.serve(w, r, "index.html")
}

// serveAsset answers GET /assets/{name} with a script or style sheet.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name == "index.html" {
		http.Redirect(w, r, "/", http.StatusMovedPermanently)
		return
	}
	if name == "login.html" {
		http.Redirect(w, r, "/login", http.StatusMovedPermanently)
		return
	}
	s.assets.serve(w, r, name)
}

// serve writes the named asset; http.ServeContent answers If-None-Match with 304
// because the ETag header is set, and sets Content-Type from the name's extension.
func (a assets) serve(w http.ResponseWriter, r *http.Request, name string) {
	f, ok := a[name]
	if !ok {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "no-cache") // revalidate each time; the ETag makes that cheap
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}
