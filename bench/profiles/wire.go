package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// wireCaller is the load generator's lean client (-client wire): each
// call takes a keep-alive connection of its own from a pool, writes the
// signed request with net/http's Request.Write and reads the answer with
// http.ReadResponse. It is HTTP/1.1 on TCP as any client sends it, without
// the Transport's two goroutines per connection and the channel hand-offs
// between them, which cost the client side about as much CPU as the
// server's own HTTP handling: on two cores the load generator would
// otherwise measure itself.
func wireCaller(base string, conns int, method string, target func(i int) (string, []byte)) caller {
	addr := strings.TrimPrefix(base, "http://")
	pool := make(chan *wireConn, conns)
	s := newSigner()
	return func(i int) error {
		var c *wireConn
		select {
		case c = <-pool:
		default:
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				return err
			}
			c = &wireConn{c: nc, r: bufio.NewReaderSize(nc, 8<<10), w: bufio.NewWriterSize(nc, 8<<10)}
		}
		u, body := target(i)
		err := c.do(s.request(method, u, body))
		if err != nil {
			_ = c.c.Close()
			return err
		}
		select {
		case pool <- c:
		default:
			_ = c.c.Close()
		}
		return nil
	}
}

type wireConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// do sends req and reads the whole answer; any status but 200 is an error.
func (c *wireConn) do(req *http.Request) error {
	if err := req.Write(c.w); err != nil {
		return err
	}
	if err := c.w.Flush(); err != nil {
		return err
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	if resp.Close {
		return fmt.Errorf("the server closed the connection")
	}
	return nil
}
