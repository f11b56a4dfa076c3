package flowconfig

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/hotline-dev/hotline/internal/edge"
)

// Routes returns the management API, by http.ServeMux pattern. The server
// mounts each route as a signed internal endpoint. {instance} is an
// instance id or ARN (path-escaped).
func (s *Service) Routes() map[string]http.Handler {
	const base = "/_hotline/config/{instance}"
	return map[string]http.Handler{
		"GET " + base + "/items":              http.HandlerFunc(s.serveList),
		"PUT " + base + "/items/{pk}/{rt}":    http.HandlerFunc(s.servePut),
		"GET " + base + "/items/{pk}/{rt}":    http.HandlerFunc(s.serveGet),
		"DELETE " + base + "/items/{pk}/{rt}": http.HandlerFunc(s.serveDelete),
		"POST " + base + "/import":            http.HandlerFunc(s.serveImport),
		"GET " + base + "/export":             http.HandlerFunc(s.serveExport),
		"POST " + base + "/check":             http.HandlerFunc(s.serveCheck),
	}
}

// GetOutput is the answer of GET .../items/{pk}/{rt}, shaped as DynamoDB's
// GetItem answer.
type GetOutput struct {
	Item Item `json:"Item"`
}

// PutOutput is the answer of PUT .../items/{pk}/{rt}.
type PutOutput struct {
	Item     Item      `json:"Item"`
	Problems []Problem `json:"Problems"`
}

// ItemsInput is the body of POST .../import and POST .../check. Items may
// be plain or DynamoDB-typed.
type ItemsInput struct {
	Items []json.RawMessage `json:"Items"`
	Force bool              `json:"Force,omitempty"`
}

// ExportOutput is the answer of GET .../export.
type ExportOutput struct {
	Items []Item `json:"Items"`
}

// CheckOutput is the answer of POST .../check.
type CheckOutput struct {
	Problems []Problem `json:"Problems"`
}

func (s *Service) serveList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in := ListInput{ResourceType: q.Get("type"), NextToken: q.Get("nextToken")}
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.api().WriteError(w, r, invalidParam("maxResults %q must be a number from 1 to %d", v, MaxMaxResults))
			return
		}
		in.MaxResults = n
	}
	out, err := s.List(r.Context(), r.PathValue("instance"), in)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, out)
}

func (s *Service) servePut(w http.ResponseWriter, r *http.Request) {
	pk, rt := r.PathValue("pk"), r.PathValue("rt")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	items, err := ParseItems(keyed(body, pk, rt))
	if err != nil {
		s.api().WriteError(w, r, invalidParam("the body is not an item: %v", err))
		return
	}
	if len(items) != 1 {
		s.api().WriteError(w, r, invalidParam("the body holds %d items; PUT takes one (import takes many)", len(items)))
		return
	}
	it := items[0]
	if it.PrimaryKey() != pk || it.ResourceType() != rt {
		s.api().WriteError(w, r, invalidParam("the body's item %s differs from the path's %s", describe(it.PrimaryKey(), it.ResourceType()), describe(pk, rt)))
		return
	}
	force, err := boolParam(r, "force")
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	res, err := s.Put(r.Context(), r.PathValue("instance"), it, force)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, &PutOutput{Item: it, Problems: res.Problems})
}

// keyed fills in the keys a PUT body may leave to the path: a plain object
// without Primary_Key or Resource_Type gets the path's.
func keyed(body []byte, pk, rt string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil || obj["Item"] != nil || obj["Items"] != nil {
		return body
	}
	changed := false
	for k, v := range map[string]string{AttrPrimaryKey: pk, AttrResourceType: rt} {
		if _, ok := obj[k]; !ok {
			obj[k], _ = json.Marshal(v)
			changed = true
		}
	}
	if !changed {
		return body
	}
	b, _ := json.Marshal(obj)
	return b
}

func (s *Service) serveGet(w http.ResponseWriter, r *http.Request) {
	it, err := s.Get(r.Context(), r.PathValue("instance"), r.PathValue("pk"), r.PathValue("rt"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, &GetOutput{Item: it})
}

func (s *Service) serveDelete(w http.ResponseWriter, r *http.Request) {
	force, err := boolParam(r, "force")
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	if err := s.Delete(r.Context(), r.PathValue("instance"), r.PathValue("pk"), r.PathValue("rt"), force); err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) serveImport(w http.ResponseWriter, r *http.Request) {
	in, items, err := readItems(r, true)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	res, err := s.Import(r.Context(), r.PathValue("instance"), items, in.Force)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, res)
}

func (s *Service) serveExport(w http.ResponseWriter, r *http.Request) {
	items, err := s.Export(r.Context(), r.PathValue("instance"))
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, &ExportOutput{Items: items})
}

// serveCheck checks the stored table, or, when the body gives Items, those
// items as they would be after importing them.
func (s *Service) serveCheck(w http.ResponseWriter, r *http.Request) {
	_, items, err := readItems(r, false)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	ps, err := s.Check(r.Context(), r.PathValue("instance"), items)
	if err != nil {
		s.api().WriteError(w, r, err)
		return
	}
	s.api().WriteJSON(w, r, &CheckOutput{Problems: ps})
}

// readItems decodes an ItemsInput body; an empty body is allowed unless
// required.
func readItems(r *http.Request, required bool) (*ItemsInput, []Item, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, nil, err
	}
	in := &ItemsInput{}
	if len(bytes.TrimSpace(body)) == 0 {
		if required {
			return nil, nil, invalidParam(`the body must be {"Items": [...], "Force": false}`)
		}
		return in, nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // a misspelt "Force" must not be dropped in silence
	if err := dec.Decode(in); err != nil {
		return nil, nil, invalidParam(`the body is not {"Items": [...], "Force": false}: %v`, err)
	}
	var items []Item
	for i, raw := range in.Items {
		got, err := ParseItems(raw)
		if err != nil {
			return nil, nil, invalidParam("Items[%d]: %v", i, err)
		}
		items = append(items, got...)
	}
	return in, items, nil
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalidParam("%s %q must be true or false", name, v)
	}
	return b, nil
}

var statusOf = map[string]int{
	"InvalidParameterException": http.StatusBadRequest,
	"ResourceNotFoundException": http.StatusNotFound,
	"ResourceInUseException":    http.StatusConflict,
	"ResourceConflictException": http.StatusConflict,
}

// api answers the management API's requests in the AWS shape; an error
// carrying Problems answers them beside its Message.
func (s *Service) api() edge.InternalAPI { return edge.InternalAPI{Log: s.log, Status: statusOf} }
