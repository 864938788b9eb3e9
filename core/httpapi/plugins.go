package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/core/rbac"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

type installRequest struct {
	Name    string `json:"name" validate:"required,max=63"`
	Version string `json:"version,omitempty" validate:"max=128" jsonschema:"description=the release to install; the catalog's newest when omitted"`
}

// pluginConfig is the body of GET and PUT /orgs/{org}/plugins/{name}/config.
type pluginConfig struct {
	Config json.RawMessage `json:"config" validate:"required"`
}

type linkRequest struct {
	// Path is the route under …/plugins/{name}/http, e.g.
	// /files/{id}/content, optionally with a query.
	Path string `json:"path" validate:"required,max=512" jsonschema:"description=the route under …/plugins/{name}/http to open (e.g. /files/{id}/content); a query may follow"`
}

// LinkView is a single-use URL for one GET of a plugin's route.
type LinkView struct {
	URL       string `json:"url"`
	ExpiresIn int    `json:"expires_in"`
}

type startJobRequest struct {
	Kind  string          `json:"kind" validate:"required,max=63"`
	Input json.RawMessage `json:"input,omitempty"`
}

// pluginHTTPMethods are the methods the plugin passthrough serves.
var pluginHTTPMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE"}

func (a *API) bindPlugins(r *router) {
	r.add(Route{Method: "GET", Path: "/marketplace/plugins", Tag: "plugins", Summary: "The plugin catalog: every plugin with a binary for this platform",
		Access: SignedIn, Resp: List[marketplace.Listing]{}, Handler: a.listMarketplace})
	r.add(Route{Method: "GET", Path: "/orgs/:org/plugins", Tag: "plugins", Summary: "Plugins installed in the organization, with their status (config only for those who may configure)",
		Access: InOrg, Perm: rbac.PluginsRead, Resp: List[marketplace.Installed]{}, Handler: a.listInstalled})
	r.add(Route{Method: "POST", Path: "/orgs/:org/plugins", Tag: "plugins", Summary: "Install a plugin version, or upgrade to a newer one (signature and checksum verified)",
		Access: InOrg, Perm: rbac.PluginsInstall, Body: installRequest{}, Status: http.StatusCreated, Resp: marketplace.Installed{}, Handler: a.installPlugin})
	r.add(Route{Method: "DELETE", Path: "/orgs/:org/plugins/:name", Tag: "plugins", Summary: "Uninstall a plugin (its jobs are cancelled, its state removed; datasets stay)",
		Access: InOrg, Perm: rbac.PluginsInstall, Status: http.StatusNoContent, Handler: a.uninstallPlugin})
	r.add(Route{Method: "GET", Path: "/orgs/:org/plugins/:name/config", Tag: "plugins", Summary: "The organization's config of a plugin",
		Access: InOrg, Perm: rbac.PluginsConfigure, Resp: pluginConfig{}, Handler: a.getPluginConfig})
	r.add(Route{Method: "PUT", Path: "/orgs/:org/plugins/:name/config", Tag: "plugins", Summary: "Replace the config (checked against the plugin's config schema; the field at fault is named)",
		Access: InOrg, Perm: rbac.PluginsConfigure, Body: pluginConfig{}, Resp: pluginConfig{}, Handler: a.putPluginConfig})
	r.add(Route{Method: "POST", Path: "/orgs/:org/plugins/:name/actions/:action", Tag: "plugins",
		Summary: "Invoke an action: the body is its JSON input (checked against its schema), the answer its output; a job action answers 202 with the job",
		Access:  InOrg, Perm: rbac.PluginsInvoke, Body: json.RawMessage{}, Resp: json.RawMessage{}, Handler: a.invokeAction})
	r.add(Route{Method: "POST", Path: "/orgs/:org/plugins/:name/jobs", Tag: "jobs", Summary: "Start a job of one of the plugin's job actions",
		Access: InOrg, Perm: rbac.JobsRun, Body: startJobRequest{}, Status: http.StatusAccepted, Resp: jobs.Job{}, Handler: a.startJobRoute})
	for _, m := range pluginHTTPMethods {
		rt := Route{Method: m, Path: "/orgs/:org/plugins/:name/http/*", Tag: "plugins",
			Summary: "The plugin's own HTTP routes, proxied with the organization and user attached (bodies stream both ways)",
			Access:  InOrg, Perm: rbac.PluginsInvoke, Raw: true, Handler: a.pluginHTTP}
		if m == "GET" {
			rt.Link = true
			rt.Summary += "; a GET may carry a link ticket from POST …/links instead of an Authorization header"
			rt.Query = []QueryParam{{"ticket", "a link ticket from POST /orgs/{org}/plugins/{name}/links, instead of an Authorization header", "string"}}
		}
		r.add(rt)
	}
	r.add(Route{Method: "POST", Path: "/orgs/:org/plugins/:name/links", Tag: "plugins",
		Summary: "A URL that opens one GET of the plugin's HTTP route without the access token, once, within a minute: a download the browser saves as it arrives",
		Access:  InOrg, Perm: rbac.PluginsInvoke, Body: linkRequest{}, Status: http.StatusCreated, Resp: LinkView{}, Handler: a.issueLink})
	r.add(Route{Method: "GET", Path: "/admin/plugins", Tag: "admin", Summary: "Plugin processes: status, pid, restarts, last error, organizations served",
		Access: Platform, Resp: List[pluginhost.ProcessStatus]{}, Handler: a.adminPlugins})
}

func (a *API) listMarketplace(c *fiber.Ctx) error {
	items, err := a.d.Market.Listings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(list(items, ""))
}

func (a *API) listInstalled(c *fiber.Ctx) error {
	s := scopeOf(c)
	items, err := a.d.Market.Installed(c.UserContext(), s.Org.ID)
	if err != nil {
		return err
	}
	if !a.d.RBAC.Can(s.Subject, s.Org.Slug, rbac.PluginsConfigure) {
		// Configs may hold credentials (a sync source's password).
		for i := range items {
			items[i].Config = nil
		}
	}
	return c.JSON(list(items, ""))
}

func (a *API) installPlugin(c *fiber.Ctx) error {
	var req installRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, id := scopeOf(c), identityOf(c)
	inst, err := a.d.Market.Install(c.UserContext(), s.Org, actorName(id), req.Name, req.Version)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(inst)
}

func (a *API) uninstallPlugin(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	if err := a.d.Market.Uninstall(c.UserContext(), s.Org, actorName(id), param(c, "name")); err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (a *API) getPluginConfig(c *fiber.Ctx) error {
	cfg, err := a.d.Market.Config(c.UserContext(), scopeOf(c).Org.ID, param(c, "name"))
	if err != nil {
		return err
	}
	return c.JSON(pluginConfig{Config: cfg})
}

func (a *API) putPluginConfig(c *fiber.Ctx) error {
	var req pluginConfig
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, id := scopeOf(c), identityOf(c)
	cfg := bytes.Clone(req.Config)
	if err := a.d.Market.Configure(c.UserContext(), s.Org, actorName(id), param(c, "name"), cfg); err != nil {
		return err
	}
	return c.JSON(pluginConfig{Config: cfg})
}

// actorName names the caller in activity events and job records.
func actorName(id *Identity) string {
	if id.Key != nil {
		return "key:" + id.Key.ID
	}
	return id.UserID
}

// pluginActor is the caller as a plugin sees it.
func pluginActor(id *Identity, s *OrgScope) grpcplugin.Actor {
	if id.Key != nil {
		return grpcplugin.Actor{UserID: "key:" + id.Key.ID}
	}
	return grpcplugin.Actor{UserID: id.UserID, Role: string(s.Role)}
}

// requireActionPermission checks the permission a plugin's manifest names
// for an action. A permission the core does not know is mapped to
// plugins:invoke, which the route already required.
func (a *API) requireActionPermission(s *OrgScope, plugin string, act grpcplugin.Action) error {
	p := rbac.Permission(pluginhost.ActionPermission(act))
	if _, known := rbac.Lookup(p); !known {
		return nil
	}
	if a.d.RBAC.Can(s.Subject, s.Org.Slug, p) {
		return nil
	}
	who := "this API key"
	if s.Role != "" {
		who = "your role (" + string(s.Role) + ")"
	}
	return apiErr(http.StatusForbidden, "forbidden", who+" does not allow "+string(p)+", which action "+act.Name+" of plugin "+plugin+" requires")
}

// jsonInput reads a request body that is itself JSON (an action's input);
// an empty body is {}.
func jsonInput(c *fiber.Ctx) (json.RawMessage, error) {
	body := bytes.TrimSpace(c.Body())
	if len(body) == 0 {
		return json.RawMessage(`{}`), nil
	}
	if ct := c.Get(fiber.HeaderContentType); !strings.HasPrefix(strings.ToLower(ct), fiber.MIMEApplicationJSON) {
		return nil, apiErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the input as application/json")
	}
	if !json.Valid(body) {
		return nil, apiErr(http.StatusBadRequest, "invalid_json", "the body is not valid JSON")
	}
	return bytes.Clone(body), nil
}

func (a *API) invokeAction(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	name, action := param(c, "name"), param(c, "action")
	input, err := jsonInput(c)
	if err != nil {
		return err
	}
	pl, err := a.d.Plugins.Manifest(s.Org.ID, name)
	if err != nil {
		return err
	}
	act, ok := pl.Action(action)
	if !ok {
		return apiErr(http.StatusNotFound, "unknown_action", "plugin "+name+" has no action "+action)
	}
	if err := a.requireActionPermission(s, name, act); err != nil {
		return err
	}
	if act.Job {
		return a.startJob(c, pl, name, act, input)
	}
	out, err := a.d.Plugins.Invoke(c.UserContext(), s.Org.ID, name, pluginActor(id, s), action, input)
	if err != nil {
		return err
	}
	if len(out) == 0 {
		out = json.RawMessage("null")
	}
	c.Type("json")
	return c.Send(out)
}

func (a *API) startJobRoute(c *fiber.Ctx) error {
	var req startJobRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, name := scopeOf(c), param(c, "name")
	input := bytes.Clone(req.Input)
	if len(input) == 0 {
		input = json.RawMessage(`{}`)
	}
	pl, err := a.d.Plugins.Manifest(s.Org.ID, name)
	if err != nil {
		return err
	}
	act, ok := pl.Action(req.Kind)
	if !ok || !act.Job {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Field: "kind", Message: "kind: plugin " + name + " has no job action " + strings.Clone(req.Kind)}
	}
	if err := a.requireActionPermission(s, name, act); err != nil {
		return err
	}
	return a.startJob(c, pl, name, act, input)
}

// startJob checks a job's input against its action's schema, records the
// job and hands it to the plugin.
func (a *API) startJob(c *fiber.Ctx, pl *pluginhost.Plugin, name string, act grpcplugin.Action, input json.RawMessage) error {
	s, id := scopeOf(c), identityOf(c)
	if err := pl.ValidateInput(act.Name, input); err != nil {
		return err
	}
	created := "user:" + id.UserID
	if id.Key != nil {
		created = "key:" + id.Key.ID
	}
	job, err := a.d.Jobs.Start(c.UserContext(), jobs.StartRequest{
		Tenant: grpcplugin.Tenant{ID: s.Org.ID, Slug: s.Org.Slug}, Plugin: name, Kind: act.Name,
		Input: input, Actor: pluginActor(id, s), CreatedBy: created,
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusAccepted).JSON(job)
}

func (a *API) adminPlugins(c *fiber.Ctx) error {
	return c.JSON(list(a.d.Plugins.Status(), ""))
}

// Headers a caller may not pass to a plugin: credentials, hop-by-hop
// headers, and anything that could pose as an identity the core vouches
// for (the core sets those itself).
func dropRequestHeader(key string) bool {
	switch key {
	case "Authorization", "Proxy-Authorization", "Cookie", "Connection", "Keep-Alive", "Proxy-Connection",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Host", "X-Real-Ip":
		return true
	}
	for _, p := range []string{"X-Switchyard-", "X-Forwarded-", "X-Remote-", "X-User", "X-Auth", "X-Tenant", "X-Org"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Headers a plugin may not set on a response: cookies for the platform's
// origin, framing the core manages, and the core's security headers.
func dropResponseHeader(key string) bool {
	switch key {
	case "Set-Cookie", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Trailer", "Upgrade",
		"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Strict-Transport-Security",
		"Referrer-Policy", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials":
		return true
	}
	return false
}

// pluginBody is a plugin's response body that also ends the exchange's
// context once the web server is done with it.
type pluginBody struct {
	io.ReadCloser
	done context.CancelFunc
}

func (b *pluginBody) Close() error {
	defer b.done()
	return b.ReadCloser.Close()
}

// Identity headers the core sets on proxied requests.
const (
	HeaderPluginOrg   = "X-Switchyard-Org"
	HeaderPluginOrgID = "X-Switchyard-Org-Id"
	HeaderPluginUser  = "X-Switchyard-User"
	HeaderPluginRole  = "X-Switchyard-Role"
)

// pluginHTTP proxies /orgs/{org}/plugins/{name}/http/* to the plugin,
// streaming both bodies.
func (a *API) pluginHTTP(c *fiber.Ctx) error {
	s, id := scopeOf(c), identityOf(c)
	name := param(c, "name")
	actor := pluginActor(id, s)
	header := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) {
		key := http.CanonicalHeaderKey(string(k))
		if !dropRequestHeader(key) {
			header.Add(key, string(v))
		}
	})
	header.Set(HeaderPluginOrg, s.Org.Slug)
	header.Set(HeaderPluginOrgID, s.Org.ID)
	header.Set(HeaderPluginUser, actor.UserID)
	header.Set(HeaderPluginRole, actor.Role)
	header.Set("X-Forwarded-For", c.IP())

	req := &grpcplugin.HTTPRequest{
		Actor: actor, Method: strings.Clone(c.Method()), Path: "/" + strings.Clone(c.Params("*")),
		RawQuery: pluginQuery(c, id), Header: header, RemoteAddr: c.IP(),
		ContentLength: int64(c.Request().Header.ContentLength()),
	}
	switch {
	case req.ContentLength == 0:
	case c.Context().RequestBodyStream() != nil:
		req.Body = c.Context().RequestBodyStream()
	default:
		req.Body = bytes.NewReader(bytes.Clone(c.Body()))
	}
	if req.ContentLength < 0 {
		req.ContentLength = -1
	}
	// The exchange lives until the response body was streamed (after this
	// handler returns), bounded by the server's read and write timeouts.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), a.d.Config.ReadTimeout+a.d.Config.WriteTimeout)
	resp, err := a.d.Plugins.RoundTrip(ctx, s.Org.ID, name, req)
	if err != nil {
		cancel()
		return err
	}
	c.Status(resp.StatusCode)
	for k, vs := range resp.Header {
		k = http.CanonicalHeaderKey(k)
		if dropResponseHeader(k) {
			continue
		}
		for i, v := range vs {
			if i == 0 {
				c.Set(k, v)
			} else {
				c.Response().Header.Add(k, v)
			}
		}
	}
	body := resp.Body
	// A length the plugin announces is kept (a download shows its size and
	// progress); the core then sends exactly that many bytes, and a plugin
	// that sends fewer has the connection closed short, as HTTP requires.
	if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		c.Context().SetBodyStream(&pluginBody{ReadCloser: body, done: cancel}, int(n))
		return nil
	}
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer cancel()
		defer func() { _ = body.Close() }()
		buf := make([]byte, 32<<10)
		for {
			n, err := body.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				if w.Flush() != nil {
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					a.d.Log.Warn("plugin response cut short", "plugin", name, "error", err)
				}
				return
			}
		}
	})
	return nil
}

// issueLink answers a URL for one GET of a plugin's HTTP route that a
// browser can open by itself (a download link, an <img>): the access token
// stays out of the URL, and the ticket in it opens that path only, for the
// caller only, once, within LinkTicketTTL.
func (a *API) issueLink(c *fiber.Ctx) error {
	var req linkRequest
	if err := a.decodeJSON(c, &req); err != nil {
		return err
	}
	s, id, name := scopeOf(c), identityOf(c), param(c, "name")
	if id.Key != nil {
		return errKeyNotAllowed
	}
	path, query, _ := strings.Cut(req.Path, "?")
	if !validLinkPath(path) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Field: "path",
			Message: "path: a route such as /files/{id}/content, starting with /, in URL characters, without . or .. segments"}
	}
	if _, err := url.ParseQuery(query); err != nil || strings.ContainsAny(query, "# ") {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_input", Field: "path", Message: "path: the query is not a valid URL query"}
	}
	pl, err := a.d.Plugins.Manifest(s.Org.ID, name)
	if err != nil {
		return err
	}
	if !pl.Manifest().HTTP {
		return apiErr(http.StatusNotFound, "not_found", "plugin "+name+" serves no HTTP routes")
	}
	ticket, ttl, err := a.d.Auth.IssueLinkTicket(id.UserID, id.SessionID, s.Org.ID, pluginLink(name, path))
	if err != nil {
		return err
	}
	q := url.Values{}
	if query != "" {
		q, _ = url.ParseQuery(query)
	}
	q.Set("ticket", ticket)
	return c.Status(http.StatusCreated).JSON(LinkView{ExpiresIn: int(ttl.Seconds()),
		URL: Prefix + "/orgs/" + s.Org.Slug + "/plugins/" + name + "/http" + path + "?" + q.Encode()})
}

// pluginLink is what a link ticket names: one plugin's route.
func pluginLink(name, path string) string { return name + ":" + path }

// validLinkPath accepts an absolute URL path of unreserved, percent-encoded
// and sub-delimiter characters, without empty, . or .. segments: the path
// is matched byte for byte when the link is opened.
func validLinkPath(p string) bool {
	if len(p) < 2 || p[0] != '/' {
		return false
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.IndexByte("/-._~!$&'()*+,;=:@", ch) >= 0:
		case ch == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

var errBadLink = apiErr(http.StatusUnauthorized, "invalid_link", "this link is invalid, used or expired: ask for a new one")

// authenticateLink authenticates a GET that may carry a link ticket
// (?ticket=, from issueLink) instead of an Authorization header, so that a
// browser can open the URL itself and save a download as it arrives. The
// ticket must name the organization, plugin and path of the request; the
// user's membership, role and session are checked as for any request (by
// orgGuard, after this). Other requests authenticate as usual.
func (a *API) authenticateLink(c *fiber.Ctx) error {
	raw := c.Query("ticket")
	if raw == "" || c.Get(fiber.HeaderAuthorization) != "" || c.Method() != fiber.MethodGet {
		return a.authenticate(c)
	}
	org, err := a.resolver.BySlug(c.UserContext(), c.Params("org"))
	if err != nil {
		return errBadLink
	}
	t, err := a.d.Auth.RedeemLinkTicket(raw, org.ID, pluginLink(c.Params("name"), "/"+c.Params("*")))
	if err != nil {
		return errBadLink
	}
	c.Locals(identityKey, &Identity{UserID: t.UserID, SessionID: t.SessionID, Link: true})
	return c.Next()
}

// pluginQuery is the request's query as the plugin sees it: without the
// link ticket that opened it.
func pluginQuery(c *fiber.Ctx, id *Identity) string {
	if !id.Link {
		return string(c.Request().URI().QueryString())
	}
	args := &fasthttp.Args{}
	c.Request().URI().QueryArgs().CopyTo(args)
	args.Del("ticket")
	return args.String()
}
