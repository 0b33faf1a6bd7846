package scim

import (
	"net/http"
	"strconv"
	"strings"
)

// maxResults caps a page of GET /Users (ServiceProviderConfig
// filter.maxResults).
const maxResults = 200

type listResponse struct {
	Schemas      []string   `json:"schemas"`
	TotalResults int        `json:"totalResults"`
	StartIndex   int        `json:"startIndex"`
	ItemsPerPage int        `json:"itemsPerPage"`
	Resources    []wireUser `json:"Resources"`
}

// list serves GET /Users: Entra ID's and Okta's filter=userName eq "x"
// before each create (answered from the index), and paged listing.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var f Filter
	if s := strings.TrimSpace(q.Get("filter")); s != "" {
		var err error
		if f, err = ParseFilter(s); err != nil {
			return err
		}
	}
	if q.Get("sortBy") != "" {
		return scimError(400, typeInvalidValue, "sorting is not supported (ServiceProviderConfig sort.supported is false)")
	}
	start, count, err := paging(q.Get("startIndex"), q.Get("count"))
	if err != nil {
		return err
	}
	found, err := h.find(r.Context(), f)
	if err != nil {
		return err
	}
	resp := listResponse{Schemas: []string{SchemaListResponse}, TotalResults: len(found), StartIndex: start, Resources: []wireUser{}}
	for i := start - 1; i < len(found) && len(resp.Resources) < count; i++ {
		s := found[i]
		resp.Resources = append(resp.Resources, toWire(s.rec.User, h.location(r, s.rec.User.ID), etag(s.rev)))
	}
	resp.ItemsPerPage = len(resp.Resources)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// paging reads startIndex (1-based; less than 1 is 1) and count (negative
// is 0, capped at maxResults), as RFC 7644 section 3.4.2.4 says.
func paging(startText, countText string) (int, int, error) {
	start, count := 1, maxResults
	if startText != "" {
		n, err := strconv.Atoi(startText)
		if err != nil {
			return 0, 0, scimError(400, typeInvalidValue, "startIndex %q is not an integer", startText)
		}
		start = max(n, 1)
	}
	if countText != "" {
		n, err := strconv.Atoi(countText)
		if err != nil {
			return 0, 0, scimError(400, typeInvalidValue, "count %q is not an integer", countText)
		}
		count = min(max(n, 0), maxResults)
	}
	return start, count, nil
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	u, active, err := decodeUser(body)
	if err != nil {
		return err
	}
	rec, rev, err := h.create(r.Context(), u, active, body)
	if err != nil {
		return err
	}
	h.writeUser(w, r, http.StatusCreated, rec, rev)
	return nil
}

// getUser serves GET /Users/{id}, with If-None-Match.
func (h *Handler) getUser(w http.ResponseWriter, r *http.Request) error {
	rec, rev, err := h.dir.get(r.Context(), r.PathValue("id"))
	if err == nil && rec.Deleted {
		err = errNoRecord
	}
	if err != nil {
		return notFound(err)
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, rev) {
		w.Header().Set("ETag", etag(rev))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.writeUser(w, r, http.StatusOK, rec, rev)
	return nil
}

// put replaces the user. An active left out keeps its value rather than
// reading as false: a termination must be said, never implied.
func (h *Handler) put(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	u, active, err := decodeUser(body)
	if err != nil {
		return err
	}
	rec, rev, err := h.mutate(r.Context(), r.PathValue("id"), r.Header.Get("If-Match"), body, func(cur *User) error {
		u.ID, u.Created, u.LastModified, u.Active = cur.ID, cur.Created, cur.LastModified, cur.Active
		if active != nil {
			u.Active = *active
		}
		*cur = u
		return nil
	})
	if err != nil {
		return notFound(err)
	}
	h.writeUser(w, r, http.StatusOK, rec, rev)
	return nil
}

func (h *Handler) patch(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	ops, err := ParsePatch(body)
	if err != nil {
		return err
	}
	rec, rev, err := h.mutate(r.Context(), r.PathValue("id"), r.Header.Get("If-Match"), body, func(u *User) error {
		return Apply(u, ops)
	})
	if err != nil {
		return notFound(err)
	}
	h.writeUser(w, r, http.StatusOK, rec, rev)
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) error {
	if err := h.remove(r.Context(), r.PathValue("id"), r.Header.Get("If-Match")); err != nil {
		return notFound(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
