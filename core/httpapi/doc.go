// Package httpapi is Switchyard's HTTP API on Fiber: the /api/v1 routes of
// DESIGN.md, their authentication and authorization, the error shape, the
// OpenAPI document and the operational endpoints (/healthz, /readyz,
// /metrics). It also serves the embedded dashboard at every other path.
//
// Every route is declared once, in a Route value that carries its method,
// path, who may call it (public, a signed-in user, a member holding a
// permission in the organization named by the path, or the platform
// admin), and its request and response types. The router builds the
// middleware chain and the OpenAPI document from the same values, so the
// document cannot forget a route (a test checks Fiber's route table
// against it).
//
// Handlers never keep a *fiber.Ctx, or a string taken from one, past their
// return: Fiber reuses both. Values kept longer (cache keys, log fields
// emitted later, goroutines) are cloned first.
//
// Errors travel as Go errors to the one ErrorHandler in errors.go, which
// maps the domain packages' sentinel errors to statuses and writes
// {"error":{"code","message","field"}}; no panic reaches a client.
package httpapi
