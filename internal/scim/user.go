package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// User is what the directory keeps of a provisioned user: the attributes
// the HR policy can act on, nothing else. Other attributes a provider
// sends (title, phoneNumbers, addresses, ...) are accepted and dropped.
type User struct {
	ID             string    `json:"id"`
	ExternalID     string    `json:"externalId,omitempty"`
	UserName       string    `json:"userName"`
	Active         bool      `json:"active"`
	DisplayName    string    `json:"displayName,omitempty"`
	GivenName      string    `json:"givenName,omitempty"`
	FamilyName     string    `json:"familyName,omitempty"`
	Emails         []Email   `json:"emails,omitempty"`
	EmployeeNumber string    `json:"employeeNumber,omitempty"`
	Manager        string    `json:"manager,omitempty"`
	Created        time.Time `json:"created"`
	LastModified   time.Time `json:"lastModified"`
}

// Email is one value of the multi-valued emails attribute.
type Email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

// PrimaryEmail returns the primary address, else the work one, else the first.
func (u User) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	for _, e := range u.Emails {
		if strings.EqualFold(e.Type, "work") {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

func (u User) clone() User {
	u.Emails = append([]Email(nil), u.Emails...)
	return u
}

// validate checks what RFC 7643 requires of a stored user.
func (u User) validate() error {
	if strings.TrimSpace(u.UserName) == "" {
		return scimError(400, typeInvalidValue, "userName is required")
	}
	for i, e := range u.Emails {
		if strings.TrimSpace(e.Value) == "" {
			return scimError(400, typeInvalidValue, "emails[%d].value is required", i)
		}
	}
	return nil
}

// wireUser is the SCIM JSON of a [User]. Decoding relies on encoding/json
// matching field names case-insensitively, as RFC 7643 section 2.1 asks of
// attribute names.
type wireUser struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        *wireName   `json:"name,omitempty"`
	DisplayName string      `json:"displayName,omitempty"`
	Active      *flexBool   `json:"active,omitempty"`
	Emails      []wireEmail `json:"emails,omitempty"`
	Enterprise  *wireEnt    `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
	Meta        *wireMeta   `json:"meta,omitempty"`
}

type wireName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type wireEmail struct {
	Value   flexString `json:"value"`
	Type    string     `json:"type,omitempty"`
	Primary flexBool   `json:"primary,omitempty"`
}

type wireEnt struct {
	EmployeeNumber flexString `json:"employeeNumber,omitempty"`
	Manager        *ref       `json:"manager,omitempty"`
}

type wireMeta struct {
	ResourceType string    `json:"resourceType"`
	Created      time.Time `json:"created"`
	LastModified time.Time `json:"lastModified"`
	Location     string    `json:"location,omitempty"`
	Version      string    `json:"version,omitempty"`
}

// toWire renders u; location and version go into meta.
func toWire(u User, location, version string) wireUser {
	active := flexBool(u.Active)
	w := wireUser{Schemas: []string{SchemaUser}, ID: u.ID, ExternalID: u.ExternalID, UserName: u.UserName,
		DisplayName: u.DisplayName, Active: &active,
		Meta: &wireMeta{ResourceType: "User", Created: u.Created, LastModified: u.LastModified, Location: location, Version: version}}
	if u.GivenName != "" || u.FamilyName != "" {
		w.Name = &wireName{GivenName: u.GivenName, FamilyName: u.FamilyName}
	}
	for _, e := range u.Emails {
		w.Emails = append(w.Emails, wireEmail{Value: flexString(e.Value), Type: e.Type, Primary: flexBool(e.Primary)})
	}
	if u.EmployeeNumber != "" || u.Manager != "" {
		w.Schemas = append(w.Schemas, SchemaEnterprise)
		w.Enterprise = &wireEnt{EmployeeNumber: flexString(u.EmployeeNumber)}
		if u.Manager != "" {
			w.Enterprise.Manager = &ref{Value: u.Manager}
		}
	}
	return w
}

// decodeUser reads a POST or PUT body. Read-only attributes (id, meta) are
// ignored, as RFC 7644 section 3.3 allows. active is nil when not sent.
func decodeUser(body []byte) (User, *bool, error) {
	var w wireUser
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&w); err != nil {
		return User{}, nil, scimError(400, typeInvalidSyntax, "the body is not a SCIM user: %v", err)
	}
	u := User{ExternalID: w.ExternalID, UserName: strings.TrimSpace(w.UserName), DisplayName: w.DisplayName}
	if w.Name != nil {
		u.GivenName, u.FamilyName = w.Name.GivenName, w.Name.FamilyName
	}
	for _, e := range w.Emails {
		u.Emails = append(u.Emails, Email{Value: string(e.Value), Type: e.Type, Primary: bool(e.Primary)})
	}
	if w.Enterprise != nil {
		u.EmployeeNumber = string(w.Enterprise.EmployeeNumber)
		if w.Enterprise.Manager != nil {
			u.Manager = w.Enterprise.Manager.Value
		}
	}
	var active *bool
	if w.Active != nil {
		b := bool(*w.Active)
		active = &b
	}
	return u, active, u.validate()
}

// flexBool reads a JSON boolean, or a string "true"/"false" in any case:
// Entra ID sends "active": "False" (Known issues, SCIM 2.0 compliance).
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	v, err := boolValue(json.RawMessage(data))
	if err != nil {
		return err
	}
	*b = flexBool(v)
	return nil
}

func boolValue(raw json.RawMessage) (bool, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, err
	}
	return asBool(v)
}

func asBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		if b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(t))); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("%s is not a boolean", short(v))
}

// flexString reads a string, or a number written as its decimal text
// (employeeNumber arrives as a number from some provider mappings).
type flexString string

func (s *flexString) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	str, err := asString(v)
	*s = flexString(str)
	return err
}

// asString reads a single string value, unwrapping the {"value": x} and
// [{"value": x}] forms Entra ID uses for single-valued references.
func asString(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(t), nil
	case map[string]any:
		if inner, ok := lookupFold(t, "value"); ok {
			return asString(inner)
		}
	case []any:
		if len(t) == 1 {
			return asString(t[0])
		}
	}
	return "", fmt.Errorf("%s is not a single value", short(v))
}

// ref is a reference such as the enterprise manager: {"value": id}, or the
// id alone, as Entra ID sends it in PATCH.
type ref struct {
	Value string `json:"value"`
}

func (r *ref) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	s, err := asString(v)
	r.Value = s
	return err
}

func lookupFold(m map[string]any, key string) (any, bool) {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
