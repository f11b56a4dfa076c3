package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"strconv"
	"strings"
	"time"
)

// wireCaller is the load generator's lean client (-client wire): each
// call takes a keep-alive connection of its own from a pool, writes the
// request's bytes, signed by the connection's leanSigner (sign.go), and
// reads the whole answer. It is HTTP/1.1 on TCP as any client sends it
// (the bytes net/http's Request.Write sends for the same request), without
// the Transport's two goroutines per connection and the channel hand-offs
// between them, and without building an http.Request and parsing an
// http.Response into maps: on two cores the load generator would otherwise
// measure itself. body appends the body of call i to dst.
func wireCaller(base string, conns int, method, path string, body func(dst []byte, i int) []byte) caller {
	host := strings.TrimPrefix(base, "http://")
	pool := make(chan *wireConn, conns)
	return func(i int) error {
		var c *wireConn
		select {
		case c = <-pool:
		default:
			nc, err := net.Dial("tcp", host)
			if err != nil {
				return err
			}
			c = &wireConn{c: nc, r: bufio.NewReaderSize(nc, 8<<10), w: bufio.NewWriterSize(nc, 8<<10),
				sign: newLeanSigner("test", "test", "us-east-1", "profile", method, host, path)}
		}
		c.body = body(c.body[:0], i)
		err := c.do()
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
	c    net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	sign *leanSigner
	body []byte // the request body
	resp []byte // the response body
}

// do sends c.body, signed now, and reads the whole answer; any status but
// 200 is an error.
func (c *wireConn) do() error {
	if err := c.write(time.Now()); err != nil {
		return err
	}
	status, closing, err := c.read()
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("HTTP %d %s", status, bytes.TrimSpace(c.resp))
	}
	if closing {
		return fmt.Errorf("the server closed the connection")
	}
	return nil
}

// write sends the request with its headers in the order Request.Write
// puts them (Host, User-Agent, Content-Length, then the rest sorted).
func (c *wireConn) write(now time.Time) error {
	s, w := c.sign, c.w
	date, authz := s.sign(c.body, now)
	w.WriteString(s.method)
	w.WriteByte(' ')
	w.WriteString(s.path)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(s.host)
	w.WriteString("\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: ")
	w.Write(strconv.AppendInt(w.AvailableBuffer(), int64(len(c.body)), 10))
	w.WriteString("\r\nAuthorization: ")
	w.Write(authz)
	w.WriteString("\r\nContent-Type: " + jsonContentType + "\r\nX-Amz-Date: ")
	w.Write(date)
	w.WriteString("\r\n\r\n")
	w.Write(c.body)
	return w.Flush() // a bufio.Writer keeps its first error
}

var errBadResponse = errors.New("malformed HTTP response")

// read reads one response into c.resp: its status and whether the server
// will close the connection. It reads the headers it needs to find the
// body's end and skips the others.
func (c *wireConn) read() (status int, closing bool, err error) {
	line, err := c.line()
	if err != nil {
		return 0, false, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, fmt.Errorf("%w: %q", errBadResponse, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("%w: %q", errBadResponse, line)
	}
	closing = line[7] == '0' // HTTP/1.0
	length, chunked := int64(-1), false
	for {
		line, err := c.line()
		if err != nil {
			return 0, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("%w: header %q", errBadResponse, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil || length < 0 {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errBadResponse, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = closing || bytes.EqualFold(value, []byte("close"))
		}
	}
	c.resp = c.resp[:0]
	switch {
	case chunked:
		err = c.readAll(httputil.NewChunkedReader(c.r))
		for err == nil { // the trailer, up to its empty line
			if line, err = c.line(); len(line) == 0 {
				break
			}
		}
	case length >= 0:
		c.resp = append(c.resp, make([]byte, length)...)
		_, err = io.ReadFull(c.r, c.resp)
	default: // the body runs to the end of the connection
		closing = true
		err = c.readAll(c.r)
	}
	return status, closing, err
}

// line returns the next line without its CRLF, valid until the next read.
func (c *wireConn) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		if err == bufio.ErrBufferFull {
			err = fmt.Errorf("%w: a line longer than %d bytes", errBadResponse, c.r.Size())
		}
		return nil, err
	}
	return bytes.TrimSuffix(line[:len(line)-1], []byte("\r")), nil
}

func (c *wireConn) readAll(r io.Reader) error {
	for {
		if len(c.resp) == cap(c.resp) {
			c.resp = append(c.resp, 0)[:len(c.resp)]
		}
		n, err := r.Read(c.resp[len(c.resp):cap(c.resp)])
		c.resp = c.resp[:len(c.resp)+n]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
