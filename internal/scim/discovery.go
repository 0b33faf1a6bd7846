package scim

import (
	"net/http"
	"strings"
)

// The discovery endpoints (RFC 7644 section 4) describe what Quell keeps
// and what it supports, so a provider's schema discovery shows the truth.

func (h *Handler) serviceProviderConfig(w http.ResponseWriter, r *http.Request) error {
	supported := func(b bool) map[string]any { return map[string]any{"supported": b} }
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []string{SchemaSPConfig},
		"documentationUri": "https://github.com/quell-dev/quell/blob/main/docs/sources.md#scim-20-provisioning-entra-id-okta",
		"patch":            supported(true),
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": maxResults},
		"changePassword":   supported(false),
		"sort":             supported(false),
		"etag":             supported(true),
		"authenticationSchemes": []map[string]any{{
			"type": "oauthbearertoken", "name": "Bearer token", "primary": true,
			"description": "A Quell API token with the scim scope, sent as Authorization: Bearer <token>",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": h.base(r) + "/ServiceProviderConfig"},
	})
	return nil
}

func (h *Handler) userResourceType(r *http.Request) map[string]any {
	return map[string]any{
		"schemas": []string{SchemaResourceType}, "id": "User", "name": "User", "endpoint": "/Users",
		"description": "A person provisioned to Quell", "schema": SchemaUser,
		"schemaExtensions": []map[string]any{{"schema": SchemaEnterprise, "required": false}},
		"meta":             map[string]any{"resourceType": "ResourceType", "location": h.base(r) + "/ResourceTypes/User"},
	}
}

func (h *Handler) resourceTypes(w http.ResponseWriter, r *http.Request) error {
	writeList(w, []any{h.userResourceType(r)})
	return nil
}

func (h *Handler) resourceType(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("name") != "User" {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, h.userResourceType(r))
	return nil
}

func (h *Handler) schemas(w http.ResponseWriter, r *http.Request) error {
	writeList(w, []any{h.schemaDoc(r, SchemaUser), h.schemaDoc(r, SchemaEnterprise)})
	return nil
}

func (h *Handler) schema(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if id != SchemaUser && id != SchemaEnterprise {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, h.schemaDoc(r, id))
	return nil
}

func writeList(w http.ResponseWriter, items []any) {
	writeJSON(w, http.StatusOK, map[string]any{"schemas": []string{SchemaListResponse},
		"totalResults": len(items), "startIndex": 1, "itemsPerPage": len(items), "Resources": items})
}

func (h *Handler) base(r *http.Request) string {
	return strings.TrimSuffix(h.location(r, ""), "/Users/")
}

func (h *Handler) schemaDoc(r *http.Request, id string) map[string]any {
	doc := map[string]any{"schemas": []string{SchemaSchema}, "id": id,
		"meta": map[string]any{"resourceType": "Schema", "location": h.base(r) + "/Schemas/" + id}}
	if id == SchemaEnterprise {
		doc["name"], doc["description"] = "EnterpriseUser", "Enterprise attributes Quell keeps"
		doc["attributes"] = []map[string]any{
			attr("employeeNumber", "string", false, false),
			complexAttr("manager", false, attr("value", "string", false, true)),
		}
		return doc
	}
	doc["name"], doc["description"] = "User", "The user attributes Quell keeps; others are accepted and dropped"
	doc["attributes"] = []map[string]any{
		withUniqueness(attr("userName", "string", true, false), "server"),
		attr("externalId", "string", false, true),
		attr("displayName", "string", false, false),
		attr("active", "boolean", false, false),
		complexAttr("name", false, attr("givenName", "string", false, false), attr("familyName", "string", false, false)),
		complexAttr("emails", true, attr("value", "string", false, false), attr("type", "string", false, false),
			attr("primary", "boolean", false, false)),
	}
	return doc
}

func attr(name, typ string, required, caseExact bool) map[string]any {
	return map[string]any{"name": name, "type": typ, "multiValued": false, "required": required,
		"caseExact": caseExact, "mutability": "readWrite", "returned": "default", "uniqueness": "none"}
}

func withUniqueness(a map[string]any, u string) map[string]any {
	a["uniqueness"] = u
	return a
}

func complexAttr(name string, multi bool, sub ...map[string]any) map[string]any {
	a := attr(name, "complex", false, false)
	a["multiValued"], a["subAttributes"] = multi, sub
	return a
}
