package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"volmatch"
)

var (
	timeType = reflect.TypeFor[time.Time]()
	weekType = reflect.TypeFor[volmatch.Week]()
)

// schemas builds JSON schemas of Go types by reflection, collecting named
// struct types under components/schemas.
type schemas struct {
	defs map[string]any
}

func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.IndexByte(name, '['); i >= 0 { // List[volmatch.Need] -> NeedList
		arg := name[i+1 : len(name)-1]
		arg = arg[strings.LastIndexAny(arg, "./*")+1:]
		return arg + strings.ToUpper(name[:1]) + name[1:i]
	}
	return name
}

func (sc *schemas) of(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == weekType:
		return map[string]any{"type": "string", "description": "7 days of 24 hour flags (0/1), Monday first, separated by '|'",
			"pattern": "^([01]{24}\\|){6}[01]{24}$"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": sc.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": sc.of(t.Elem())}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := sc.defs[name]; !ok {
			sc.defs[name] = nil // break cycles
			sc.defs[name] = sc.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (sc *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if f.Name == "Hidden" && f.Type == reflect.TypeFor[*volmatch.HiddenPreferences]() {
			continue // never shown, never written through the API
		}
		props[name] = sc.of(f.Type)
	}
	return map[string]any{"type": "object", "properties": props}
}

func ginToOpenAPI(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// OpenAPI returns the OpenAPI 3.1 document of the routes registered.
func (s *Server) OpenAPI() map[string]any {
	sc := &schemas{defs: map[string]any{}}
	problem := sc.of(reflect.TypeFor[Problem]())
	paths := map[string]map[string]any{}
	for _, r := range s.ops {
		p := ginToOpenAPI(r.path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{"summary": r.op.Summary, "tags": []string{r.op.Tag},
			"operationId": strings.ToLower(r.method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(p)}
		var params []any
		for _, pa := range r.op.Params {
			params = append(params, map[string]any{"name": pa.Name, "in": pa.In, "required": pa.Required,
				"description": pa.Desc, "schema": map[string]any{"type": pa.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if r.op.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": sc.of(reflect.TypeOf(r.op.Body))}}}
		}
		status := r.op.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		switch {
		case r.op.Resp != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": sc.of(reflect.TypeOf(r.op.Resp))}}
		case r.op.Raw != "":
			ok["content"] = map[string]any{r.op.Raw: map[string]any{"schema": map[string]any{"type": "string"}}}
		}
		resps := map[string]any{strconv.Itoa(status): ok}
		errs := []int{}
		if r.op.Body != nil || len(r.op.Params) > 0 {
			errs = append(errs, 400, 422)
		}
		if r.op.Body != nil {
			errs = append(errs, 413)
		}
		if r.roles != nil {
			errs = append(errs, 401, 403, 429)
			op["security"] = []any{map[string]any{"bearer": []string{}}}
			roleNames := make([]string, len(r.roles))
			for i, ro := range r.roles {
				roleNames[i] = string(ro)
			}
			op["x-roles"] = roleNames
		}
		if strings.Contains(p, "{id}") {
			errs = append(errs, 404, 409)
		}
		errs = append(errs, 500, 503)
		for _, st := range errs {
			resp := map[string]any{"description": http.StatusText(st),
				"content": map[string]any{"application/problem+json": map[string]any{"schema": problem}}}
			switch st {
			case http.StatusTooManyRequests:
				resp["description"] = "Too Many Requests: the token's rate limit (Options.Rate, Burst) is spent"
				resp["headers"] = map[string]any{"Retry-After": map[string]any{
					"description": "whole seconds until the token may send a request again",
					"schema":      map[string]any{"type": "integer", "minimum": 1}}}
			case http.StatusUnauthorized:
				resp["description"] = "Unauthorized: no bearer token, an unknown one or an expired one"
			case http.StatusRequestEntityTooLarge:
				resp["description"] = "Content Too Large: the body is over the server's limit (default 1 MiB)"
			case http.StatusServiceUnavailable:
				resp["description"] = "Service Unavailable: a part is down, or the request outlasted the server's deadline"
			}
			resps[strconv.Itoa(st)] = resp
		}
		op["responses"] = resps
		paths[p][strings.ToLower(r.method)] = op
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "volmatch API", "version": "1",
			"description": "Supply–demand matching for volunteer service (志愿服务供需对接). Errors are application/problem+json (RFC 9457)."},
		"paths": paths,
		"components": map[string]any{
			"schemas":         sc.defs,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func (s *Server) openapi(c *gin.Context) {
	s.docOnce.Do(func() { s.doc, _ = json.Marshal(s.OpenAPI()) })
	c.Data(http.StatusOK, "application/json", s.doc)
}
