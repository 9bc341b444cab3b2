package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// wire is one client's own keep-alive HTTP/1.1 connection for the measured
// requests. The request is written and the response read on the client's
// goroutine, with the standard library's encoding and parsing
// (http.Request.Write, http.ReadResponse), and without http.Transport's
// connection pool and its two goroutines per connection: on a machine the
// load generator shares with the server, its own CPU per request is taken
// from the server's. A wire is not safe for concurrent use. Setup requests
// go through loadClient's pooled client.
type wire struct {
	base  string // scheme, host and any path prefix, as given
	host  string
	token string
	c     net.Conn
	br    *bufio.Reader
	bw    *bufio.Writer
}

func newWire(base, token string) (*wire, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("load: --url: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("load: --url must be http://HOST:PORT, got %q", base)
	}
	return &wire{base: base, host: u.Host, token: token}, nil
}

// do sends one request without a body to path (with its query) and
// returns the status, the response read to the end. The connection is
// dialled when there is none and closed after an error or when the server
// asks; the request is not retried.
func (w *wire) do(ctx context.Context, method, path string) (int, error) {
	u, err := url.Parse(w.base + path)
	if err != nil {
		return 0, err
	}
	req := &http.Request{Method: method, URL: u, Host: w.host, ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Authorization": {"Bearer " + w.token}}}
	if w.c == nil {
		d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		if w.c, err = d.DialContext(ctx, "tcp", w.host); err != nil {
			w.c = nil
			return 0, err
		}
		w.br, w.bw = bufio.NewReaderSize(w.c, 16<<10), bufio.NewWriterSize(w.c, 4<<10)
	}
	if dl, ok := ctx.Deadline(); ok {
		w.c.SetDeadline(dl)
	}
	if err := req.Write(w.bw); err != nil {
		w.close()
		return 0, err
	}
	if err := w.bw.Flush(); err != nil {
		w.close()
		return 0, err
	}
	resp, err := http.ReadResponse(w.br, req)
	if err != nil {
		w.close()
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		w.close()
	}
	return resp.StatusCode, err
}

func (w *wire) close() {
	if w.c != nil {
		w.c.Close()
		w.c = nil
	}
}
